// The RFB handshake's pure parts (RFC 6143 §7.1-7.3), both sides: the ProtocolVersion string,
// version negotiation, security types.
import { RfbProtocolError } from '../errors.js';

export const SecurityType = {
  Invalid: 0,
  None: 1,
  VncAuth: 2,
  VeNCrypt: 19,
} as const;

/** ProtocolVersion: the same 12 bytes both ways ("RFB 003.008\n"). */
export function protocolVersion(minor: number): Buffer {
  return Buffer.from(`RFB 003.00${minor}\n`, 'latin1');
}

/** The highest version we speak; we announce it and accept 3.3, 3.7 and 3.8. */
export const SERVER_VERSION_MINOR = 8;

/**
 * Parse the client's 12-byte ProtocolVersion and pick the version to speak: 3.3, 3.7 or 3.8.
 * Unknown minors below 7 fall back to 3.3 (as the RFC says for 3.5 and Apple's 3.889 reads as
 * 3.8); anything else that is not "RFB xxx.yyy\n" is refused.
 */
export function negotiateVersion(bytes: Uint8Array): 3 | 7 | 8 {
  const s = Buffer.from(bytes).toString('latin1');
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(s);
  if (!m) {
    const shown = JSON.stringify(s).slice(0, 40);
    throw new RfbProtocolError('RFB_ERR_BAD_VERSION', `not an RFB client: ProtocolVersion was ${shown}`);
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 3) throw new RfbProtocolError('RFB_ERR_UNSUPPORTED_VERSION', `unsupported RFB version ${m[1]}.${m[2]}`);
  if (minor >= 8) return 8;
  if (minor === 7) return 7;
  return 3;
}

export function securityTypeName(t: number): string {
  switch (t) {
    case SecurityType.None:
      return 'None';
    case SecurityType.VncAuth:
      return 'VncAuth';
    case SecurityType.VeNCrypt:
      return 'VeNCrypt';
    default:
      return `type ${t}`;
  }
}

/** The client's side: the server's ProtocolVersion, and the version to answer with (3.3, 3.7 or 3.8). */
export function serverVersionMinor(bytes: Uint8Array): 3 | 7 | 8 {
  const s = Buffer.from(bytes).toString('latin1').trim();
  const m = /^RFB 003\.(\d{3})$/.exec(s);
  if (!m) throw new Error(`not an RFB server: ${JSON.stringify(s)}`);
  const minor = Number(m[1]);
  return minor >= 8 ? 8 : minor === 7 ? 7 : 3;
}
