import { describe, expect, it } from 'vitest';
import { AuthBackoff, hostOf } from '../../src/rfb/security/backoff.js';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('per-address back-off', () => {
  it('keys by host, not by port', () => {
    expect(hostOf('10.0.0.1:5555')).toBe('10.0.0.1');
    expect(hostOf('[::1]:5555')).toBe('::1');
    expect(hostOf('ws://10.0.0.1:5555')).toBe('10.0.0.1'); // the same host over WebSocket
    expect(hostOf('ws://[::1]:5555')).toBe('::1');
  });

  it('blocks after `threshold` failures, then doubles the block on each failure after it ends', () => {
    const c = clock();
    const b = new AuthBackoff({ threshold: 3, initialBlockMs: 10_000, now: c.now });
    expect(b.recordFailure('a')).toBe(0);
    expect(b.recordFailure('a')).toBe(0);
    expect(b.blockedFor('a')).toBe(0);
    expect(b.recordFailure('a')).toBe(10_000);
    expect(b.blockedFor('b')).toBe(0); // others unaffected
    c.advance(9_999);
    expect(b.blockedFor('a')).toBe(1);
    c.advance(1);
    expect(b.blockedFor('a')).toBe(0); // one more try allowed
    expect(b.recordFailure('a')).toBe(20_000);
    c.advance(20_000);
    expect(b.recordFailure('a')).toBe(40_000);
  });

  it('forgets an address on success', () => {
    const c = clock();
    const b = new AuthBackoff({ threshold: 2, now: c.now });
    b.recordFailure('a');
    b.recordSuccess('a');
    expect(b.recordFailure('a')).toBe(0);
  });

  it('caps the block and the number of addresses remembered', () => {
    const c = clock();
    const b = new AuthBackoff({ threshold: 1, initialBlockMs: 1000, maxBlockMs: 3000, maxEntries: 100, now: c.now });
    for (let i = 0; i < 5; i++) {
      b.recordFailure('a');
      c.advance(10_000);
    }
    expect(b.recordFailure('a')).toBe(3000);
    for (let i = 0; i < 1000; i++) b.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(b.size).toBe(100);
  });
});
