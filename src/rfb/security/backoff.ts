// Per-address back-off after failed authentication, as TigerVNC's Blacklist does: after
// `threshold` failures an address is blocked for `initialBlockMs`; when the block ends it may try
// once more, and each failure after that blocks it again for twice as long. Success forgets it.

export interface AuthBackoffOptions {
  /** Failures allowed before the first block (TigerVNC BlacklistThreshold: 5). */
  threshold: number;
  /** The first block (TigerVNC BlacklistTimeout: 10 s); doubles with each later failure. */
  initialBlockMs: number;
  maxBlockMs: number;
  /** Addresses remembered at most (oldest forgotten first), so a flood cannot grow the table. */
  maxEntries: number;
  now: () => number;
}

export const DEFAULT_BACKOFF_OPTIONS: AuthBackoffOptions = {
  threshold: 5,
  initialBlockMs: 10_000,
  maxBlockMs: 60 * 60_000,
  maxEntries: 10_000,
  now: () => Date.now(),
};

interface Entry {
  failures: number;
  blockUntil: number;
  nextBlockMs: number;
}

/**
 * The host part of "a.b.c.d:port", "[v6]:port" or "ws://a.b.c.d:port" (the back-off is per host,
 * whatever the transport, not per connection).
 */
export function hostOf(remoteAddress: string): string {
  const a = remoteAddress.replace(/^[a-z]+:\/\//, '');
  const m = /^\[([^\]]*)\]:\d+$/.exec(a) ?? /^([^:]*):\d+$/.exec(a);
  return m ? m[1]! : a;
}

export class AuthBackoff {
  readonly options: AuthBackoffOptions;
  #entries = new Map<string, Entry>();

  constructor(options: Partial<AuthBackoffOptions> = {}) {
    this.options = { ...DEFAULT_BACKOFF_OPTIONS, ...options };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Milliseconds this host stays blocked (0 when it may try). */
  blockedFor(host: string): number {
    const e = this.#entries.get(host);
    if (!e) return 0;
    return Math.max(0, e.blockUntil - this.options.now());
  }

  /** A checked password was wrong; returns how long the host is now blocked (0 if not yet). */
  recordFailure(host: string): number {
    const o = this.options;
    let e = this.#entries.get(host);
    if (e) this.#entries.delete(host); // re-insert: the Map's order is least recently failed first
    else e = { failures: 0, blockUntil: 0, nextBlockMs: o.initialBlockMs };
    this.#entries.set(host, e);
    e.failures++;
    if (e.failures >= o.threshold) {
      e.blockUntil = o.now() + e.nextBlockMs;
      e.nextBlockMs = Math.min(o.maxBlockMs, e.nextBlockMs * 2);
    }
    while (this.#entries.size > o.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return this.blockedFor(host);
  }

  recordSuccess(host: string): void {
    this.#entries.delete(host);
  }
}
