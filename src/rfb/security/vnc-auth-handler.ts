// Server side of VNC Authentication (type 2), with the per-address back-off. A blocked address goes
// through the same exchange and gets the same answer after the same delay as a wrong password, so
// a client cannot tell which it was; its password is not even looked at.
import type { ByteQueue } from '../byte-queue.js';
import { hostOf, type AuthBackoff } from './backoff.js';
import type { SecurityContext, SecurityHandler } from './handler.js';
import { checkVncAuthResponse, newChallenge, VNC_AUTH_CHALLENGE_LENGTH } from './vnc-auth.js';

export interface VncAuthConfig {
  password: Buffer;
  backoff: AuthBackoff;
  /** Every refusal is answered this long after the response arrived (blocked or wrong alike). */
  failureDelayMs: number;
}

/** What the client is told on any refusal (the log says which it was). */
export const AUTH_FAILED_REASON = 'authentication failed';

export class VncAuthSecurity implements SecurityHandler {
  readonly type = 2;
  readonly name = 'VncAuth';
  #challenge: Buffer | null = null;
  #timer: NodeJS.Timeout | null = null;
  #answered = false;

  constructor(readonly config: VncAuthConfig) {}

  start(ctx: SecurityContext): void {
    this.#challenge = newChallenge();
    ctx.send(this.#challenge);
  }

  step(q: ByteQueue, ctx: SecurityContext): boolean {
    if (this.#answered || q.length < VNC_AUTH_CHALLENGE_LENGTH) return false;
    this.#answered = true;
    const response = q.consume(VNC_AUTH_CHALLENGE_LENGTH);
    const { backoff, password, failureDelayMs } = this.config;
    const host = hostOf(ctx.remoteAddress);
    const blockedMs = backoff.blockedFor(host);
    // compute the check in both cases, so that the work done does not depend on the block either
    const right = checkVncAuthResponse(password, this.#challenge!, response);
    this.#challenge!.fill(0);
    if (blockedMs === 0 && right) {
      backoff.recordSuccess(host);
      ctx.note('auth ok');
      ctx.succeed();
      return true;
    }
    let detail: string;
    if (blockedMs > 0) {
      detail = `address blocked for another ${Math.ceil(blockedMs / 1000)} s after repeated failures; response not checked`;
    } else {
      const nowBlocked = backoff.recordFailure(host);
      detail = nowBlocked > 0 ? `wrong password; address now blocked for ${Math.ceil(nowBlocked / 1000)} s` : 'wrong password';
    }
    ctx.note('auth failed');
    this.#timer = setTimeout(() => {
      this.#timer = null;
      ctx.fail(AUTH_FAILED_REASON, detail);
    }, failureDelayMs);
    return false;
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
