import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteQueue, ByteReader } from '../../src/rfb/wire/byte-queue.js';

describe('ByteQueue', () => {
  it('peeks and consumes across any chunking like one contiguous stream (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 10 }), fc.array(fc.nat(30), { maxLength: 10 }), (chunks, takes) => {
        const q = new ByteQueue();
        for (const c of chunks) q.push(c);
        const all = Buffer.concat(chunks);
        let at = 0;
        for (const t of takes) {
          const n = Math.min(t, q.length);
          expect(q.peek(n).equals(all.subarray(at, at + n))).toBe(true);
          expect(q.consume(n).equals(all.subarray(at, at + n))).toBe(true);
          at += n;
          expect(q.length).toBe(all.length - at);
        }
      }),
    );
  });

  it('refuses to buffer beyond its cap with a coded error', () => {
    const q = new ByteQueue(10);
    q.push(new Uint8Array(10));
    expect(() => q.push(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'RFB_ERR_MESSAGE_TOO_LARGE' }));
  });
});

describe('ByteReader', () => {
  it('reads big-endian fields and rejects reads past the end', () => {
    const r = new ByteReader(Buffer.from('0102030405060708ff', 'hex'));
    expect(r.u8()).toBe(1);
    expect(r.u16()).toBe(0x0203);
    expect(r.u32()).toBe(0x04050607);
    expect(r.s32.bind(r)).toThrow('message truncated: need 4 bytes at offset 7');
  });
});
