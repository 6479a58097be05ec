// The session-long zlib streams: sync-flushed per rectangle, and withdrawn without breaking the
// client's inflater when Raw goes instead (never more bytes than Raw).
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFrame } from '../../../src/cli/bench-encode.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';
import { DeflatePool } from '../../../src/rfb/encodings/deflate-pool.js';
import { DeflateStream, InflateStream } from '../../../src/rfb/wire/zlib-stream.js';
import { encode, encoderSet, FORMATS, Peer, rawReference } from '../encodings/roundtrip.js';

describe('DeflateStream', () => {
  it('each output ends in a sync-flush marker and inflates completely on its own, in sequence', () => {
    const d = new DeflateStream(6);
    const inf = new InflateStream();
    for (const text of ['hello hello hello', 'hello again', 'x'.repeat(100000)]) {
      const z = d.compress(Buffer.from(text));
      expect(z.subarray(z.length - 4).toString('hex')).toBe('0000ffff');
      expect(inf.inflate(z).toString()).toBe(text);
    }
  });

  it('a withdrawn output leaves the stream usable by an inflater that never saw it', () => {
    const d = new DeflateStream(6);
    const inf = new InflateStream();
    d.compress(Buffer.from('abcabcabc'));
    d.withdraw(); // the first output (with the zlib header) is never sent
    const second = d.compress(Buffer.from('abcabcabc again'));
    expect(second[0]).toBe(0x78); // the header comes with the first output actually sent
    expect(inf.inflate(second).toString()).toBe('abcabcabc again');
    d.compress(Buffer.from('zzz'));
    d.withdraw();
    const fourth = d.compress(Buffer.from('abcabcabc again and again'));
    expect(inf.inflate(fourth).toString()).toBe('abcabcabc again and again');
    // and the whole sent stream is valid zlib for a one-shot inflater too
    expect(zlib.inflateSync(Buffer.concat([second, fourth]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()).toBe(
      'abcabcabc againabcabcabc again and again',
    );
  });
});

/** node:zlib, and our deflate for pixel data (both go to the workers in pieces). */
const ENGINES = ['zlib', 'pixels'] as const;

describe('DeflateStream on several cores (large inputs, pigz-style pieces)', () => {
  const deflatePool = new DeflatePool(2); // whatever this machine has: two workers and this thread
  beforeAll(async () => {
    await deflatePool.whenOnline();
  });
  afterAll(() => deflatePool.close());

  // inputs of 4 KiB and up go to the pool here, cut into pieces of the pool's size
  const sample = (n: number, seed: number) => {
    const b = Buffer.alloc(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      // runs and repeats (matches across piece boundaries) mixed with noise
      b[i] = i % 7000 < 3000 ? (i >> 5) & 0xff : (x >>> 24) & (i % 3 === 0 ? 0x0f : 0xff);
    }
    return b;
  };

  it.each(ENGINES)('one inflater follows a stream mixing native and parallel outputs, with withdrawals (%s)', (engine) => {
    const before = { ...deflatePool.counters };
    const d = new DeflateStream(2, 4096, deflatePool, engine);
    const inf = new InflateStream();
    const reused = Buffer.alloc(700_000); // encoders reuse one input buffer
    const sent: Buffer[] = [];
    const inputs: Buffer[] = [];
    const steps: [number, boolean][] = [
      [600_000, false], // parallel first: our header, then pieces
      [100, false], // native after parallel: its history is flushed, its own header stripped
      [2000, true], // native, withdrawn
      [300_000, true], // parallel, withdrawn
      [700_000, false],
      [50, false],
      [40_000, false],
    ];
    steps.forEach(([n, withdraw], i) => {
      const input = sample(n, i + 1);
      const z = d.compress(reused.subarray(0, input.copy(reused)));
      expect(z.subarray(z.length - 4).toString('hex')).toBe('0000ffff');
      if (withdraw) {
        d.withdraw();
        return;
      }
      if (sent.length === 0) expect(z.subarray(0, 2).toString('hex')).toBe('785e');
      expect(inf.inflate(z).equals(input)).toBe(true);
      sent.push(z);
      inputs.push(input);
    });
    // the whole sent stream is one valid zlib stream for a one-shot inflater too
    const all = zlib.inflateSync(Buffer.concat(sent), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(all.equals(Buffer.concat(inputs))).toBe(true);
    // the large ones really went to the workers, all of them answered
    expect(deflatePool.counters.onWorkers - before.onWorkers).toBeGreaterThanOrEqual(3 * 2);
    expect(deflatePool.counters.fallbacks).toBe(before.fallbacks);
  });

  it.each(ENGINES)('pieces refer back across their cuts and to the previous rectangle: no worse than one deflater (%s)', (engine) => {
    const noise = crypto.randomBytes(30_000);
    const input = Buffer.concat([sample(200_000, 9), sample(200_000, 9), sample(200_000, 9), noise]);
    const parallel = new DeflateStream(2, 4096, deflatePool, engine);
    const single = new DeflateStream(2, Infinity, null, engine);
    const p = parallel.compress(input);
    const s = single.compress(input);
    expect(p.length).toBeLessThan(s.length * 1.03);
    const inf = new InflateStream();
    expect(inf.inflate(p).equals(input)).toBe(true);
    // incompressible on its own, the last 30 KB again costs next to nothing through the kept
    // window, on the native deflater primed with it
    const again = parallel.compress(noise);
    expect(again.length).toBeLessThan(noise.length / 20);
    expect(inf.inflate(again).equals(noise)).toBe(true);
  });
});

describe('DeflateStream without its workers', () => {
  it.each(ENGINES)('deflates every piece on this thread when the workers are gone, and the stream stays whole (%s)', async (engine) => {
    const deflatePool = new DeflatePool(2);
    await deflatePool.whenOnline();
    const d = new DeflateStream(2, 4096, deflatePool, engine);
    const inf = new InflateStream();
    const a = crypto.randomBytes(300_000);
    expect(inf.inflate(d.compress(a)).equals(a)).toBe(true);
    await deflatePool.close();
    const before = deflatePool.counters.onWorkers;
    const b = Buffer.concat([a.subarray(0, 100_000), crypto.randomBytes(200_000)]);
    expect(inf.inflate(d.compress(b)).equals(b)).toBe(true);
    expect(deflatePool.counters.onWorkers).toBe(before);
    expect(deflatePool.closed).toBe(true);
  });

  it('with no pool, a large input is deflated here in one piece', () => {
    const d = new DeflateStream(2, 4096, null);
    const inf = new InflateStream();
    const a = crypto.randomBytes(300_000);
    expect(inf.inflate(d.compress(a)).equals(a)).toBe(true);
  });
});

describe('Raw instead of an encoding that would be larger', () => {
  const noise = loadFrame('noise');
  const text = loadFrame('text');
  for (const [name, enc] of [
    ['Zlib', EncodingType.Zlib],
    ['ZRLE', EncodingType.ZRLE],
    ['Tight', EncodingType.Tight],
    ['Hextile', EncodingType.Hextile],
    ['RRE', EncodingType.RRE],
  ] as const) {
    it(`${name}: 8 bpp noise goes as Raw; the stream carries on exactly for the next rectangles`, () => {
      const pf = FORMATS.rgb332!;
      const set = encoderSet([enc]);
      const peer = new Peer(1024, 768, pf);
      const rects = [
        { x: 0, y: 0, w: 256, h: 128 }, // noise first: a withdrawn first output
        { x: 256, y: 0, w: 256, h: 128 },
      ];
      const a = encode(set, noise, rects, pf);
      expect(set.counters.rawFallbacks).toBeGreaterThan(0);
      expect(a.bytes.length).toBeLessThanOrEqual(rects.length * (12 + 256 * 128));
      peer.decode(a.bytes, a.count);
      const textRects = [{ x: 0, y: 200, w: 512, h: 100 }];
      const b = encode(set, text, textRects, pf);
      peer.decode(b.bytes, b.count);
      const c = encode(set, noise, [{ x: 600, y: 400, w: 100, h: 100 }], pf);
      peer.decode(c.bytes, c.count);
      const d = encode(set, text, [{ x: 0, y: 400, w: 512, h: 100 }], pf);
      peer.decode(d.bytes, d.count);
      const noiseRects = [...rects, { x: 600, y: 400, w: 100, h: 100 }];
      const textRects2 = [...textRects, { x: 0, y: 400, w: 512, h: 100 }];
      expect(areaDiff(peer, rawReference(noise, noiseRects, pf), noiseRects)).toBe(0);
      expect(areaDiff(peer, rawReference(text, textRects2, pf), textRects2)).toBe(0);
      expect(peer.encodingsSeen).toContain(EncodingType.Raw);
    });
  }
});

/** Differing pixels between the peer and a reference, inside rects only. */
function areaDiff(peer: Peer, ref: { rgba: Uint8Array }, rects: { x: number; y: number; w: number; h: number }[]): number {
  let bad = 0;
  for (const r of rects)
    for (let y = r.y; y < r.y + r.h; y++)
      for (let x = r.x; x < r.x + r.w; x++) {
        const i = (y * peer.fb.width + x) * 4;
        if (peer.fb.rgba[i] !== ref.rgba[i] || peer.fb.rgba[i + 1] !== ref.rgba[i + 1] || peer.fb.rgba[i + 2] !== ref.rgba[i + 2]) bad++;
      }
  return bad;
}
