// A session's handshake up to ClientInit (RFC 6143 §7.1-7.2): the version, the security types
// offered, the chosen type's exchange (security/*), SecurityResult. The session owns the states;
// this owns what the handshake says on the wire, the chosen type's handler, and the security part
// of the connection's log line (never a password or key).
import type { ByteChannel } from '../channel.js';
import type { ByteQueue } from '../wire/byte-queue.js';
import { ByteWriter } from '../wire/byte-writer.js';
import { RfbProtocolError, type RfbErrorCode } from '../errors.js';
import { negotiateVersion, protocolVersion, SERVER_VERSION_MINOR, securityTypeName } from '../wire/handshake.js';
import type { SecurityContext, SecurityHandler } from '../security/handler.js';
import { OPEN_POLICY, type SecurityPolicy } from '../security/policy.js';
import { reasonString } from '../wire/server-messages.js';
import type { SessionState } from './state.js';

/** What the handshake needs from its session. */
export interface HandshakeLink {
  readonly channel: ByteChannel;
  state(): SessionState;
  transition(to: SessionState): void;
  /** The server's security policy (read when the client gets there). */
  policy(): SecurityPolicy | undefined;
  send(data: Uint8Array): void;
  fail(err: unknown): void;
  /** Read queued bytes again (after an asynchronous security step). */
  resume(): void;
}

export class Handshake {
  /** The version spoken: 3.3, 3.7 or 3.8. */
  minor: 3 | 7 | 8 = 8;
  #versionSeen = false;
  #handler: SecurityHandler | null = null;
  #ctx: SecurityContext | null = null;
  /** Security type and auth result, for the connection's log line. */
  #log: string[] = [];

  #timer: NodeJS.Timeout | null;

  /** The server speaks first (its ProtocolVersion); the client has timeoutMs to reach ClientInit. */
  constructor(
    private readonly link: HandshakeLink,
    timeoutMs: number,
  ) {
    this.#timer = setTimeout(() => link.fail(new RfbProtocolError('RFB_ERR_TIMEOUT', `handshake not finished within ${timeoutMs} ms`)), timeoutMs);
    this.#timer.unref();
    link.send(protocolVersion(SERVER_VERSION_MINOR));
  }

  get #policy(): SecurityPolicy {
    return this.link.policy() ?? OPEN_POLICY;
  }

  /** ClientInit arrived: no more timeout. */
  finished(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  get #canTls(): boolean {
    return typeof this.link.channel.startTls === 'function';
  }

  /** ProtocolVersion (12 bytes): pick the version and offer the security types. */
  version(bytes: Uint8Array): void {
    this.minor = negotiateVersion(bytes);
    this.#versionSeen = true;
    this.link.transition('Security');
    if (this.minor === 3) {
      // version 3.3: the server decides (u32 security-type)
      const type = this.#policy.typeFor33();
      this.link.send(new ByteWriter(4).u32(type).toBuffer());
      this.#start(type);
      return;
    }
    const types = this.#policy.types(this.#canTls);
    const w = new ByteWriter(1 + types.length).u8(types.length); // number-of-security-types
    for (const t of types) w.u8(t); // security-types
    this.link.send(w.toBuffer());
  }

  /** The client's security type (3.7, 3.8). */
  choose(type: number): void {
    if (this.#start(type)) return;
    if (this.minor === 8) {
      const w = new ByteWriter().u32(1); // SecurityResult failed
      reasonString(w, `security type ${type} is not offered`);
      this.link.send(w.toBuffer());
    }
    throw new RfbProtocolError('RFB_ERR_UNSUPPORTED_SECURITY', `client chose security ${securityTypeName(type)}, which was not offered`);
  }

  /** Authentication: feed the chosen type's exchange; false when it must wait. */
  step(q: ByteQueue): boolean {
    return this.#handler!.step(q, this.#ctx!);
  }

  /** Add a detail to the log line ("exclusive"). */
  note(detail: string): void {
    this.#log.push(detail);
  }

  /** "RFB 3.8, security VncAuth, auth ok" for the connection's log line. */
  describe(): string {
    const version = this.#versionSeen ? `RFB 3.${this.minor}` : 'no RFB version';
    return `${version}, ${this.#log.length > 0 ? this.#log.join(', ') : 'no security'}`;
  }

  dispose(): void {
    this.finished();
    this.#handler?.dispose?.();
    this.#ctx = null;
  }

  /** Run the chosen security type's exchange; false if we did not offer it. */
  #start(type: number): boolean {
    const handler = this.#policy.create(type, this.#canTls, this.minor);
    if (!handler) return false;
    this.#log = [`security ${handler.name}`];
    this.#handler = handler;
    const link = this.link;
    link.transition('Authentication');
    const active = () => link.state() === 'Authentication' && this.#handler === handler;
    this.#ctx = {
      remoteAddress: link.channel.remoteAddress,
      send: (data) => {
        if (active()) link.send(data);
      },
      succeed: () => {
        if (!active()) return;
        // 3.3 and 3.7 send no SecurityResult for None (RFC 6143 §7.1.3)
        if (this.minor === 8 || handler.type !== 1) link.send(new ByteWriter(4).u32(0).toBuffer());
        link.transition('ClientInit');
      },
      fail: (reason, detail, code: RfbErrorCode = 'RFB_ERR_AUTH_FAILED') => {
        if (!active()) return;
        const w = new ByteWriter().u32(1); // SecurityResult failed
        if (this.minor === 8) reasonString(w, reason);
        link.send(w.toBuffer());
        link.fail(new RfbProtocolError(code, detail));
      },
      resume: () => {
        if (active()) link.resume();
      },
      startTls: this.#canTls ? (context) => link.channel.startTls!(context) : undefined,
      note: (detail) => this.#log.push(detail),
    };
    handler.start(this.#ctx);
    return true;
  }
}
