// The one place a password is judged, whatever asked (RFB VNC Authentication, the same inside
// VeNCrypt, RFB over WebSocket, HTTP Basic on the web port): one back-off per host, one fixed
// delay before every refusal, one answer. A blocked host's attempt is refused like a wrong one,
// after the same delay (its password is checked all the same, so the work does not tell either).
import { hostOf, type AuthBackoff } from './backoff.js';

export interface PasswordVerdict {
  ok: boolean;
  /** For the log only (never told to the client, never the password). */
  detail: string;
}

export class PasswordGate {
  constructor(
    readonly backoff: AuthBackoff,
    /** Every refusal is answered this long after the attempt arrived (blocked or wrong alike). */
    readonly failureDelayMs: number,
  ) {}

  /**
   * Judge one attempt from `remoteAddress` ("a.b.c.d:port", "[v6]:port", "ws://..."): `right`
   * says whether its password was right. `answer` is called at once if it is let in, else after
   * failureDelayMs. Returns a function that cancels a pending refusal (the connection went away).
   */
  attempt(remoteAddress: string, right: () => boolean, answer: (v: PasswordVerdict) => void): () => void {
    const host = hostOf(remoteAddress);
    const blockedMs = this.backoff.blockedFor(host);
    const good = right(); // in both cases, so that the work done does not depend on the block
    if (blockedMs === 0 && good) {
      this.backoff.recordSuccess(host);
      answer({ ok: true, detail: 'auth ok' });
      return () => {};
    }
    let detail: string;
    if (blockedMs > 0) {
      detail = `address blocked for another ${Math.ceil(blockedMs / 1000)} s after repeated failures; password not checked`;
    } else {
      const nowBlocked = this.backoff.recordFailure(host);
      detail = nowBlocked > 0 ? `wrong password; address now blocked for ${Math.ceil(nowBlocked / 1000)} s` : 'wrong password';
    }
    const t = setTimeout(() => answer({ ok: false, detail }), this.failureDelayMs);
    return () => clearTimeout(t);
  }
}
