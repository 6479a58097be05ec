// VNC Authentication (RFC 6143 §7.2.2): DES-encrypt the server's 16-byte challenge with the password.
import crypto from 'node:crypto';

/** Reverse the bits of one byte: the VNC DES key quirk (each password byte is used bit-mirrored). */
function mirror(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/**
 * The 16-byte response to a VNC Authentication challenge. The key is the password's first 8 bytes
 * (Latin-1, zero-padded), each bit-mirrored. OpenSSL 3 ships single DES only in its legacy provider,
 * so this uses 3DES-EDE with the same key three times, which is single DES by construction.
 */
export function vncAuthResponse(password: string, challenge: Uint8Array): Buffer {
  if (challenge.length !== 16) throw new Error(`VNC auth challenge must be 16 bytes, got ${challenge.length}`);
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').subarray(0, 8).copy(key);
  for (let i = 0; i < 8; i++) key[i] = mirror(key[i]!);
  const cipher = crypto.createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}
