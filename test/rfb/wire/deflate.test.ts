// Our deflate (deflate.ts), checked by zlib's inflater: every output is a sync-flushed piece of one
// stream whatever the input, back-references reach across calls, and on ZRLE's pixel data it finds
// the 3-byte matches Node's bundled zlib misses (the reason it exists).
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { loadFrame } from '../../../src/cli/bench-encode.js';
import { ZrleEncoder } from '../../../src/rfb/encodings/zrle.js';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { Deflater } from '../../../src/rfb/wire/deflate.js';
import { NATIVE_FORMAT, PixelTranslator } from '../../../src/rfb/wire/pixel-format.js';
import { DeflateStream, InflateStream } from '../../../src/rfb/wire/zlib-stream.js';

/** A raw stream's outputs so far, inflated in one go: everything they carry (a flush must leave nothing behind). */
function rawInflater(): (z: Uint8Array) => Buffer {
  let sent = Buffer.alloc(0);
  return (z) => {
    sent = Buffer.concat([sent, z]);
    return zlib.inflateRawSync(sent, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  };
}

/** Inputs of the kinds the stream meets: noise, runs, repeats, 3-byte pixels with repeated colours. */
const input = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 70000 })).map(([v, n]) => new Uint8Array(n).fill(v)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3000 })).map(([unit, times]) => {
    const out = new Uint8Array(unit.length * times);
    for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
    return out;
  }),
  fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffffff }), { minLength: 1, maxLength: 6 }), fc.integer(), fc.integer({ min: 1, max: 40000 })).map(([colours, seed, n]) => {
    const out = new Uint8Array(n * 3);
    let x = seed >>> 0;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const c = colours[(x >>> 16) % colours.length]!;
      out[i * 3] = c & 0xff;
      out[i * 3 + 1] = (c >> 8) & 0xff;
      out[i * 3 + 2] = c >> 16;
    }
    return out;
  }),
);

/** The photo frame's ZRLE tile data, band by band (128 rows), as the encoder hands it to its zlib stream. */
function photoZrleInputs(): Buffer[] {
  const fb = loadFrame('photo');
  const e = new ZrleEncoder();
  e.configure({ compressLevel: 6, qualityLevel: null, tightGradient: true });
  const inputs: Buffer[] = [];
  const compress = DeflateStream.prototype.compress;
  DeflateStream.prototype.compress = function (data: Uint8Array) {
    inputs.push(Buffer.from(data));
    return compress.call(this, data);
  };
  try {
    const tr = new PixelTranslator({ ...NATIVE_FORMAT });
    for (let y = 0; y < fb.height; y += 128) e.encodeRect({ x: 0, y, w: fb.width, h: Math.min(128, fb.height - y) }, fb, tr, new ByteWriter(1 << 16));
  } finally {
    DeflateStream.prototype.compress = compress;
  }
  return inputs;
}

/** Rebase every ~256 KiB instead of every GiB. */
const REBASE_FOR_TEST = 256 * 1024;

describe('Deflater', () => {
  it('every output is sync-flushed and, appended to the ones before, inflates to all inputs so far (levels 0-9)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.array(input, { minLength: 1, maxLength: 6 }), (level, inputs) => {
        const d = new Deflater(level);
        const inflate = rawInflater();
        let all = Buffer.alloc(0);
        for (const data of inputs) {
          const z = d.compress(data);
          expect(Buffer.from(z.subarray(z.length - 4)).toString('hex')).toBe('0000ffff');
          all = Buffer.concat([all, data]);
          expect(inflate(Buffer.from(z)).equals(all)).toBe(true);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('refers back into earlier calls: a repeat of the last 20 KiB costs a few bytes', () => {
    const d = new Deflater(6);
    const chunk = crypto.randomBytes(20000);
    const first = d.compress(chunk).length;
    const second = d.compress(chunk).length;
    expect(first).toBeGreaterThan(20000);
    expect(second).toBeLessThan(200);
  });

  it('takes an input of several pieces (over 256 KiB) with matches across their joins', () => {
    const d = new Deflater(6);
    const inflate = rawInflater();
    const unit = crypto.randomBytes(3000);
    const data = Buffer.alloc(1_100_000);
    for (let i = 0; i < data.length; i += unit.length) unit.copy(data, i, 0, Math.min(unit.length, data.length - i));
    crypto.randomBytes(20_000).copy(data, 262_000); // noise across the first join
    const z = d.compress(data);
    expect(z.length).toBeLessThan(40_000);
    expect(inflate(z).equals(data)).toBe(true);
    const next = crypto.randomBytes(300_000);
    expect(inflate(d.compress(next)).equals(Buffer.concat([data, next]))).toBe(true);
  });

  it('stays a valid stream past the position rebase, and reset() starts from a given window', () => {
    const d = new Deflater(6, 256 * 1024); // rebase every ~256 KiB instead of every GiB
    const inflate = rawInflater();
    let all = Buffer.alloc(0);
    for (let k = 0; k < 40; k++) {
      const data = Buffer.alloc(30000 + k * 1000);
      for (let i = 0; i < data.length; i++) data[i] = (i * (k + 1)) % 251 ^ ((i >> 9) & 0xf0);
      all = Buffer.concat([all, data]);
      expect(inflate(d.compress(data)).equals(all)).toBe(true);
    }
    // a new deflater primed with the last 32 KiB continues the same stream
    const e = new Deflater(6);
    e.reset(all.subarray(all.length - 32768));
    const tail = all.subarray(all.length - 5000);
    const z = e.compress(tail);
    expect(z.length).toBeLessThan(100); // found in the window
    expect(inflate(z).equals(Buffer.concat([all, tail]))).toBe(true);
  });

  it("packs ZRLE's data of the photo frame at least 10% smaller than Node's zlib at the same level", () => {
    // the pre-zlib tile data of each band, taken from the encoder's stream
    const inputs = photoZrleInputs();
    const ours = new DeflateStream(6, undefined, null, 'pixels');
    const node = new DeflateStream(6, undefined, null, 'zlib');
    const inflate = new InflateStream();
    let oursBytes = 0;
    let nodeBytes = 0;
    for (const data of inputs) {
      const z = ours.compress(data);
      expect(inflate.inflate(z).equals(data)).toBe(true);
      oursBytes += z.length;
      nodeBytes += node.compress(data).length;
    }
    expect(oursBytes).toBeLessThan(nodeBytes * 0.9);
  });

  it('a withdrawn output leaves the stream usable (the pixels engine)', () => {
    const d = new DeflateStream(6, undefined, null, 'pixels');
    const inf = new InflateStream();
    expect(inf.inflate(d.compress(Buffer.from('abcabcabc'))).toString()).toBe('abcabcabc');
    d.compress(Buffer.from('zzzzzzzzzzzz'));
    d.withdraw(); // never sent: the next output must not refer to it
    expect(inf.inflate(d.compress(Buffer.from('zzzzzzzzzzzz abcabcabc'))).toString()).toBe('zzzzzzzzzzzz abcabcabc');
  });

  it('runs its matching loops in WebAssembly (the built module), with the same bytes as the TypeScript loops at every level, across calls, blocks and a rebase', () => {
    expect(new Deflater(6).usesWasm).toBe(true); // npm test builds it; without it the next case would compare the TypeScript with itself
    expect(new Deflater(6, REBASE_FOR_TEST, false).usesWasm).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(input, { minLength: 1, maxLength: 4 }), (level, inputs) => {
        const ours = new Deflater(level, REBASE_FOR_TEST);
        const ts = new Deflater(level, REBASE_FOR_TEST, false);
        for (const x of inputs) expect(Buffer.from(ours.compress(x)).equals(Buffer.from(ts.compress(x)))).toBe(true);
      }),
      { numRuns: 150 },
    );
    // the photo frame's ZRLE data: greedy segments (short matches) all the way
    const a = new Deflater(6);
    const b = new Deflater(6, undefined, false);
    for (const data of photoZrleInputs()) expect(Buffer.from(a.compress(data)).equals(Buffer.from(b.compress(data)))).toBe(true);
  });

  it('works on without WebAssembly when an instance cannot be made (no memory for one more): the same bytes', () => {
    const spy = vi.spyOn(WebAssembly, 'Instance').mockImplementation(() => {
      throw new RangeError('WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance');
    });
    let d: Deflater;
    try {
      d = new Deflater(6);
    } finally {
      spy.mockRestore();
    }
    expect(d.usesWasm).toBe(false);
    const x = Buffer.from('vramvnc '.repeat(5000));
    expect(Buffer.from(d.compress(x)).equals(Buffer.from(new Deflater(6).compress(x)))).toBe(true);
  });

  it('rejects a level outside 0-9', () => {
    expect(() => new Deflater(10)).toThrow(/level must be 0-9/);
    expect(() => new Deflater(-1)).toThrow(/level must be 0-9/);
  });
});
