// The shared encode cache stays within its byte budgets whatever is put in it.
import { describe, expect, it } from 'vitest';
import { EncodeCache, ENTRY_OVERHEAD } from '../../src/rfb/encodings/encode-cache.js';

const KiB = 1024;
const buf = (n: number) => Buffer.alloc(n, 7);

describe('EncodeCache budgets', () => {
  it('one owner alone makes at most maxOwnerBytes of entries per screen generation', () => {
    const c = new EncodeCache({ maxBytes: 1024 * KiB, maxOwnerBytes: 100 * KiB });
    const a = {};
    for (let i = 0; i < 1000; i++) if (c.accepts(a, 10 * KiB) || i % 2) c.set(`k${i}`, buf(10 * KiB), a);
    expect(c.bytes).toBeLessThanOrEqual(100 * KiB);
    expect(c.size).toBe(9);
    expect(c.ownedBytes(a)).toBe(c.bytes);
    expect(c.get('k0', a)).toBeDefined(); // what it made first stays
    expect(c.get('k999', a)).toBeUndefined();
    expect(c.accepts(a, 10 * KiB)).toBe(false);
    const b = {};
    expect(c.get('k0', b)).toBeDefined(); // used by another: it was worth it, a may make more
    expect(c.accepts(a, 10 * KiB)).toBe(true);
    c.invalidate();
    expect(c.accepts(a, 90 * KiB)).toBe(true);
  });

  it('an entry another owner used is shared: it no longer counts against its maker and survives its leaving', () => {
    const c = new EncodeCache({ maxBytes: 1024 * KiB, maxOwnerBytes: 100 * KiB });
    const a = {};
    const b = {};
    c.set('frame', buf(50 * KiB), a);
    expect(c.get('frame', a)).toBeDefined(); // its maker again: still its own
    expect(c.ownedBytes(a)).toBe(50 * KiB + ENTRY_OVERHEAD + 5);
    expect(c.get('frame', b)).toBeDefined();
    expect(c.ownedBytes(a)).toBe(0);
    c.set('alone', buf(50 * KiB), a);
    c.forget(a);
    expect(c.get('frame', b)).toBeDefined();
    expect(c.get('alone', b)).toBeUndefined();
    expect(c.bytes).toBe(50 * KiB + ENTRY_OVERHEAD + 5);
  });

  it('all entries together stay within maxBytes (least recently used go first), tiny entries counted with their overhead', () => {
    const c = new EncodeCache({ maxBytes: 256 * KiB, maxOwnerBytes: 64 * KiB });
    const owners = Array.from({ length: 20 }, () => ({}));
    for (let i = 0; i < 20_000; i++) {
      const o = owners[i % 20]!;
      c.set(`k${i}`, buf(i % 3 === 0 ? 20 : 4 * KiB), o);
      c.get(`k${i}`, owners[(i + 1) % 20]); // shared at once: only maxBytes holds it
      expect(c.bytes).toBeLessThanOrEqual(256 * KiB);
    }
    expect(c.size).toBeLessThan((256 * KiB) / ENTRY_OVERHEAD);
  });

  it('an entry larger than a budget is not kept; invalidate drops everything', () => {
    const c = new EncodeCache({ maxBytes: 256 * KiB, maxOwnerBytes: 64 * KiB });
    c.set('big', buf(65 * KiB), {});
    expect(c.size).toBe(0);
    c.set('small', buf(1 * KiB), {});
    c.invalidate();
    expect(c.size).toBe(0);
    expect(c.bytes).toBe(0);
  });
});
