// The client's side of the RFB handshake (RFC 6143 §7.1-7.3): answer the version, choose a
// security type (None; VNC Authentication when offered and a password is given, or the only
// choice), read SecurityResult, send ClientInit, read ServerInit.
import type { ByteQueue } from '../../src/rfb/wire/byte-queue.js';
import { protocolVersion, SecurityType, serverVersionMinor } from '../../src/rfb/wire/handshake.js';
import { parseServerInit, serverInitLength, type ServerInit } from '../../src/rfb/wire/server-messages.js';
import { RfbClientError } from './errors.js';
import { vncAuthResponse } from './vnc-auth.js';

export type HandshakeState = 'Version' | 'Security' | 'VncAuth' | 'SecurityResult' | 'ServerInit';

export interface HandshakeOptions {
  readonly shared: boolean;
  readonly password?: string;
}

/** A u32 length and a UTF-8 string at `at` (a failure reason); null while not all there. */
function reasonAt(q: ByteQueue, at: number): string | null {
  if (q.length < at + 4) return null;
  const len = q.peek(at + 4).readUInt32BE(at);
  if (q.length < at + 4 + len) return null;
  return q.consume(at + 4 + len).subarray(at + 4).toString('utf8');
}

export class ClientHandshake {
  state: HandshakeState = 'Version';
  /** The server's ProtocolVersion, as it sent it ("RFB 003.008"). */
  serverVersion = '';
  #minor: 3 | 7 | 8 = 8;

  constructor(
    private readonly options: HandshakeOptions,
    private readonly send: (b: Uint8Array) => void,
  ) {}

  /** One step over the queued bytes: false while they are not all there, ServerInit once done, else true. */
  step(q: ByteQueue): boolean | ServerInit {
    switch (this.state) {
      case 'Version': {
        if (q.length < 12) return false;
        const bytes = q.consume(12);
        this.serverVersion = bytes.toString('latin1').trim();
        try {
          this.#minor = serverVersionMinor(bytes);
        } catch (err) {
          throw new RfbClientError('RFB_CLIENT_ERR_NOT_RFB', (err as Error).message);
        }
        this.send(protocolVersion(this.#minor));
        this.state = 'Security';
        return true;
      }
      case 'Security':
        return this.#minor === 3 ? this.#security33(q) : this.#securityTypes(q);
      case 'VncAuth':
        if (q.length < 16) return false;
        this.send(vncAuthResponse(this.options.password!, q.consume(16)));
        this.state = 'SecurityResult';
        return true;
      case 'SecurityResult':
        return this.#securityResult(q);
      case 'ServerInit': {
        const need = serverInitLength(q.peek(Math.min(q.length, 24)), q.length);
        if (q.length < need) return false;
        return parseServerInit(q.consume(need));
      }
    }
  }

  /** Version 3.3: the server decides (u32 security-type; 0 and a reason: refused). */
  #security33(q: ByteQueue): boolean {
    if (q.length < 4) return false;
    const type = q.peek(4).readUInt32BE(0);
    if (type === SecurityType.Invalid) {
      const reason = reasonAt(q, 4);
      if (reason === null) return false;
      throw new RfbClientError('RFB_CLIENT_ERR_REFUSED', `server refused: ${reason}`);
    }
    q.skip(4);
    if (type === SecurityType.VncAuth) {
      this.#needPassword();
      this.state = 'VncAuth';
      return true;
    }
    if (type !== SecurityType.None) throw new RfbClientError('RFB_CLIENT_ERR_UNSUPPORTED_SECURITY', `server requires security type ${type}, which this client does not support`);
    this.#clientInit();
    return true;
  }

  /** Versions 3.7, 3.8: the server lists its types (none, and a reason: refused), the client picks one. */
  #securityTypes(q: ByteQueue): boolean {
    if (q.length < 1) return false;
    const n = q.peek(1)[0]!;
    if (n === 0) {
      const reason = reasonAt(q, 1);
      if (reason === null) return false;
      throw new RfbClientError('RFB_CLIENT_ERR_REFUSED', `server refused: ${reason}`);
    }
    if (q.length < 1 + n) return false;
    const types = [...q.consume(1 + n).subarray(1)];
    const { None, VncAuth } = SecurityType;
    // None when offered; VNC Authentication when offered and needed (or the only choice)
    if (types.includes(None) && !(this.options.password !== undefined && types.includes(VncAuth))) {
      this.send(Buffer.from([None]));
      if (this.#minor === 8) this.state = 'SecurityResult';
      else this.#clientInit();
      return true;
    }
    if (!types.includes(VncAuth)) {
      throw new RfbClientError('RFB_CLIENT_ERR_UNSUPPORTED_SECURITY', `server offers security types [${types.join(', ')}], none of which this client supports`);
    }
    this.#needPassword();
    this.send(Buffer.from([VncAuth]));
    this.state = 'VncAuth';
    return true;
  }

  #securityResult(q: ByteQueue): boolean {
    if (q.length < 4) return false;
    if (q.peek(4).readUInt32BE(0) === 0) {
      q.skip(4);
      this.#clientInit();
      return true;
    }
    // only 3.8 servers give a reason (RFC 6143 §7.1.3)
    if (this.#minor < 8) throw new RfbClientError('RFB_CLIENT_ERR_AUTH_FAILED', 'authentication failed');
    const reason = reasonAt(q, 4);
    if (reason === null) return false;
    // the server's reason is often just "authentication failed": say it once
    const said = reason === '' || /^authentication failed\.?$/i.test(reason) ? 'authentication failed (wrong password?)' : `authentication failed: ${reason}`;
    throw new RfbClientError('RFB_CLIENT_ERR_AUTH_FAILED', said);
  }

  #needPassword(): void {
    if (this.options.password === undefined) throw new RfbClientError('RFB_CLIENT_ERR_PASSWORD_REQUIRED', 'server requires VNC Authentication: give a password');
  }

  #clientInit(): void {
    this.send(Buffer.from([this.options.shared ? 1 : 0]));
    this.state = 'ServerInit';
  }
}
