import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../src/rfb/wire/byte-queue.js';

describe('ByteQueue under hostile read patterns', () => {
  it('a trickle of 1-byte reads is coalesced: chunk count stays bounded by bytes / 1 KiB', () => {
    const q = new ByteQueue(4 * 1024 * 1024);
    for (let i = 0; i < 200_000; i++) q.push(Buffer.from([i & 0xff]));
    expect(q.length).toBe(200_000);
    expect(q.chunkCount).toBeLessThanOrEqual(Math.ceil(200_000 / 1024) + 1);
    const all = q.consume(200_000);
    for (let i = 0; i < 200_000; i += 9973) expect(all[i]).toBe(i & 0xff);
  });

  it('refuses to grow past its cap with a coded error', () => {
    const q = new ByteQueue(1000);
    q.push(Buffer.alloc(999));
    expect(() => q.push(Buffer.alloc(2))).toThrow(expect.objectContaining({ code: 'RFB_ERR_MESSAGE_TOO_LARGE' }));
  });

  it('returns exactly the bytes pushed, for any interleaving of pushes, peeks and consumes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 1000, maxLength: 3000 })), { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 200 }),
        (pushes, takes) => {
          const q = new ByteQueue(1 << 20);
          const expected = Buffer.concat(pushes);
          const got: Buffer[] = [];
          let t = 0;
          for (const p of pushes) {
            q.push(p);
            while (t < takes.length && q.length >= takes[t]!) {
              const n = takes[t++]!;
              expect(q.peek(Math.min(n, 12))).toEqual(Buffer.concat([...got, q.peek(n)]).subarray(Buffer.concat(got).length, Buffer.concat(got).length + Math.min(n, 12)));
              got.push(Buffer.from(q.consume(n)));
            }
          }
          got.push(Buffer.from(q.consume(q.length)));
          expect(Buffer.concat(got).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
