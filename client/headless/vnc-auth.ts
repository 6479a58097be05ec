// VNC Authentication (RFC 6143 §7.2.2) for the headless client: the server's DES code, given a string.
import { vncAuthResponse as responseFor } from '../../src/rfb/security/vnc-auth.js';

/** The 16-byte response to a VNC Authentication challenge (password as Latin-1, first 8 bytes used). */
export function vncAuthResponse(password: string, challenge: Uint8Array): Buffer {
  if (challenge.length !== 16) throw new Error(`VNC auth challenge must be 16 bytes, got ${challenge.length}`);
  return responseFor(Buffer.from(password, 'latin1'), challenge);
}
