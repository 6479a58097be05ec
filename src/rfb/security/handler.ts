// The interface between the RFB handshake (session.ts) and one security type's exchange.
import type tls from 'node:tls';
import type { ByteQueue } from '../wire/byte-queue.js';
import type { RfbErrorCode } from '../errors.js';

/** What a security handler may do to its connection. */
export interface SecurityContext {
  /** "address:port" of the peer (the back-off is keyed by its host). */
  readonly remoteAddress: string;
  send(data: Uint8Array): void;
  /** The client is authenticated: the session sends SecurityResult OK and goes on to ClientInit. */
  succeed(): void;
  /**
   * Refuse: `reason` is told to the client (RFB 3.8), `detail` goes only to the log, `code`
   * (default RFB_ERR_AUTH_FAILED) names the failure.
   */
  fail(reason: string, detail: string, code?: RfbErrorCode): void;
  /** Read queued bytes again after an asynchronous step (TLS handshake) finished. */
  resume(): void;
  /** Wrap the connection in TLS as the server (VeNCrypt); absent when the transport cannot. */
  readonly startTls?: (context: tls.SecureContext) => Promise<void>;
  /** Add a detail to the connection's log line ("VeNCrypt X509Vnc", "TLSv1.3"). */
  note(detail: string): void;
}

/**
 * One security type's server side. The session calls start() once the type is chosen, then
 * step() whenever bytes arrive, until the handler calls ctx.succeed() or ctx.fail().
 */
export interface SecurityHandler {
  /** The RFB security type (1 None, 2 VNC Authentication, 19 VeNCrypt). */
  readonly type: number;
  readonly name: string;
  start(ctx: SecurityContext): void;
  /** Consume what the next step needs from q; false when it must wait (more bytes, or a timer). */
  step(q: ByteQueue, ctx: SecurityContext): boolean;
  /** The session is closing: drop timers. */
  dispose?(): void;
}

/** Security type None: nothing to exchange. */
export class NoneSecurity implements SecurityHandler {
  readonly type = 1;
  readonly name = 'None';
  start(ctx: SecurityContext): void {
    ctx.note('no auth');
    ctx.succeed();
  }
  step(): boolean {
    return false;
  }
}
