// VNC Authentication (RFC 6143 §7.2.2): a 16-byte random challenge, DES-encrypted by the client
// with its password as the key, each key byte's bits mirrored (the "VNC DES" quirk of d3des).
import crypto from 'node:crypto';
import { desDecryptEcb, desEncryptEcb } from './des.js';

export const VNC_AUTH_CHALLENGE_LENGTH = 16;
/** VNC Authentication uses at most this many bytes of the password. */
export const VNC_PASSWORD_MAX = 8;

/**
 * The fixed key vncpasswd "obfuscates" password files with: d3des's {23,82,107,6,35,78,88,7},
 * which in standard DES key form (each byte bit-mirrored) is e8 4a d6 60 c4 72 1a e0.
 * @see TigerVNC common/rfb/obfuscate.cxx
 */
const OBFUSCATION_KEY = Buffer.from('e84ad660c4721ae0', 'hex');

function mirror(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 0x80 >> i;
  return r;
}

/** The 8-byte standard-DES key for a VNC password (truncated or NUL-padded to 8 bytes). */
export function vncAuthKey(password: Uint8Array): Buffer {
  const k = Buffer.alloc(8);
  for (let i = 0; i < Math.min(VNC_PASSWORD_MAX, password.length); i++) k[i] = mirror(password[i]!);
  return k;
}

/** The client's 16-byte response to a challenge. */
export function vncAuthResponse(password: Uint8Array, challenge: Uint8Array): Buffer {
  if (challenge.length !== VNC_AUTH_CHALLENGE_LENGTH) throw new RangeError('VNC Authentication challenge must be 16 bytes');
  const key = vncAuthKey(password);
  try {
    return desEncryptEcb(key, challenge);
  } finally {
    key.fill(0);
  }
}

export function newChallenge(): Buffer {
  return crypto.randomBytes(VNC_AUTH_CHALLENGE_LENGTH);
}

/** Compare a response with the expected one in constant time. */
export function checkVncAuthResponse(password: Uint8Array, challenge: Uint8Array, response: Uint8Array): boolean {
  const expected = vncAuthResponse(password, challenge);
  const ok = response.length === expected.length && crypto.timingSafeEqual(expected, response);
  expected.fill(0);
  return ok;
}

/** vncpasswd's file format: the password NUL-padded to 8 bytes, DES-encrypted with the fixed key. */
export function obfuscatePassword(password: Uint8Array): Buffer {
  const block = Buffer.alloc(8);
  Buffer.from(password.subarray(0, VNC_PASSWORD_MAX)).copy(block);
  return desEncryptEcb(OBFUSCATION_KEY, block);
}

/** The password inside an 8-byte vncpasswd block (up to the first NUL). */
export function deobfuscatePassword(block: Uint8Array): Buffer {
  if (block.length !== 8) throw new RangeError('an obfuscated VNC password is 8 bytes');
  const plain = desDecryptEcb(OBFUSCATION_KEY, block);
  const end = plain.indexOf(0);
  return end < 0 ? plain : plain.subarray(0, end);
}
