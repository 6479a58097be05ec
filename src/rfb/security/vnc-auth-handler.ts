// Server side of VNC Authentication (type 2), judged by the server's one PasswordGate (the
// per-host back-off and fixed delay shared with HTTP Basic). A blocked address goes through the
// same exchange and gets the same answer after the same delay as a wrong password, so a client
// cannot tell which it was.
import type { ByteQueue } from '../wire/byte-queue.js';
import type { SecurityContext, SecurityHandler } from './handler.js';
import type { PasswordGate } from './password-gate.js';
import { checkVncAuthResponse, newChallenge, VNC_AUTH_CHALLENGE_LENGTH } from './vnc-auth.js';

export interface VncAuthConfig {
  password: Buffer;
  gate: PasswordGate;
}

/** What the client is told on any refusal (the log says which it was). */
export const AUTH_FAILED_REASON = 'authentication failed';

export class VncAuthSecurity implements SecurityHandler {
  readonly type = 2;
  readonly name = 'VncAuth';
  #challenge: Buffer | null = null;
  #cancel: (() => void) | null = null;
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
    const challenge = this.#challenge!;
    let ok = false;
    this.#cancel = this.config.gate.attempt(
      ctx.remoteAddress,
      () => checkVncAuthResponse(this.config.password, challenge, response),
      (v) => {
        this.#cancel = null;
        ok = v.ok;
        if (v.ok) {
          ctx.note('auth ok');
          ctx.succeed();
        } else {
          ctx.fail(AUTH_FAILED_REASON, v.detail);
        }
      },
    );
    challenge.fill(0);
    if (!ok) ctx.note('auth failed');
    return ok;
  }

  dispose(): void {
    this.#cancel?.();
    this.#cancel = null;
  }
}
