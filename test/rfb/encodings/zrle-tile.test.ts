// The fast ZRLE tile encoder (one pixel pass, forms written from the runs) against a plain
// reference written straight from RFC 6143 §7.7.6 and LibVNCServer's choice rule (the smallest of
// raw, solid, packed palette, plain RLE, palette RLE; palette in order of first appearance):
// byte-identical on random tiles of every shape the encoder meets; the tile pass in WebAssembly
// (pixel-kernels.ts) against the same reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { cpixelPacker, type Packer } from '../../../src/rfb/encodings/pixels.js';
import { encodeBand, encodeTile, encodeZrleTile } from '../../../src/rfb/encodings/zrle.js';
import { NATIVE_FORMAT, PixelTranslator } from '../../../src/rfb/wire/pixel-format.js';
import { pixelKernelsInWasm, zrleBandWasm } from '../../../src/rfb/encodings/pixel-kernels.js';
import { FORMATS, xorshift } from './roundtrip.js';

/** Run length - 1 as 255s and a final byte < 255. */
function runLength(len: number): number[] {
  const out: number[] = [];
  let n = len - 1;
  for (; n >= 255; n -= 255) out.push(255);
  out.push(n);
  return out;
}

function referenceTile(px: number[], w: number, h: number, cp: Packer): number[] {
  const c = (v: number) => {
    const b = new Uint8Array(cp.size);
    cp.write(b, 0, v);
    return [...b];
  };
  const palette = [...new Set(px)];
  if (palette.length === 1) return [1, ...c(px[0]!)];
  const runs: [number, number][] = [];
  for (const v of px) {
    const last = runs[runs.length - 1];
    if (last && last[0] === v) last[1]++;
    else runs.push([v, 1]);
  }
  const cs = cp.size;
  const n = palette.length <= 127 ? palette.length : 0;
  const raw = w * h * cs;
  const plain = runs.reduce((s, [, len]) => s + cs + runLength(len).length, 0);
  const palRle = n ? n * cs + runs.reduce((s, [, len]) => s + (len === 1 ? 1 : 1 + runLength(len).length), 0) : Infinity;
  const bits = !n ? 0 : n <= 2 ? 1 : n <= 4 ? 2 : n <= 16 ? 4 : 0;
  const packed = bits ? n * cs + h * Math.ceil((w * bits) / 8) : Infinity;
  const best = Math.min(raw, plain, palRle, packed);
  const index = new Map(palette.map((v, i) => [v, i]));
  if (best === raw) return [0, ...px.flatMap(c)];
  if (best === packed) {
    const out = [n, ...palette.flatMap(c)];
    for (let y = 0; y < h; y++) {
      let acc = 0;
      let nb = 0;
      for (let x = 0; x < w; x++) {
        acc = (acc << bits) | index.get(px[y * w + x]!)!;
        nb += bits;
        if (nb === 8) {
          out.push(acc);
          acc = 0;
          nb = 0;
        }
      }
      if (nb) out.push((acc << (8 - nb)) & 255);
    }
    return out;
  }
  if (best === palRle) return [128 + n, ...palette.flatMap(c), ...runs.flatMap(([v, len]) => (len === 1 ? [index.get(v)!] : [index.get(v)! | 128, ...runLength(len)]))];
  return [128, ...runs.flatMap(([v, len]) => [...c(v), ...runLength(len)])];
}

/** Tiles as screens have them: a few colours in runs and blocks, sometimes many colours or noise. */
const tileArb = fc
  .record({
    w: fc.integer({ min: 1, max: 64 }),
    h: fc.integer({ min: 1, max: 64 }),
    colours: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 200 })),
    runMax: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 50, max: 600 })),
    seed: fc.integer(),
  })
  .map(({ w, h, colours, runMax, seed }) => {
    const rnd = xorshift(seed);
    const cols = Array.from({ length: colours }, () => rnd(0x1000000));
    const px: number[] = [];
    while (px.length < w * h) {
      const v = cols[rnd(colours)]!;
      for (let k = 1 + rnd(runMax); k > 0 && px.length < w * h; k--) px.push(v);
    }
    return { w, h, px };
  });

describe('ZRLE tiles, fast against the reference', () => {
  it('the tile pass runs in WebAssembly where it is built (npm test builds it; without it the wasm checks below would fail)', () => {
    expect(pixelKernelsInWasm()).toBe(true);
  });

  it('native 3-byte CPIXELs, the tile read in place from a wider surface (property)', () => {
    const cp = cpixelPacker(new PixelTranslator(NATIVE_FORMAT));
    fc.assert(
      fc.property(tileArb, fc.integer({ min: 0, max: 9 }), ({ w, h, px }, pad) => {
        // the tile at column `pad` of a surface `w + 2 * pad` wide, other pixels a colour of their own
        const stride = w + 2 * pad;
        const surface = new Uint32Array(stride * (h + 2)).fill(0xfefefe);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) surface[(y + 1) * stride + pad + x] = px[y * w + x]!;
        const out = new ByteWriter(16);
        out.u8(0xee); // something before: the tile is appended
        encodeTile(surface, stride + pad, stride, w, h, cp, 0, out);
        expect([...out.toBuffer()]).toEqual([0xee, ...referenceTile(px, w, h, cp)]);
        const wasm = new ByteWriter(16);
        wasm.u8(0xee);
        expect(zrleBandWasm(surface, stride + pad, stride, w, h, wasm, w)).toBe(true);
        expect([...wasm.toBuffer()]).toEqual([...out.toBuffer()]);
      }),
      { numRuns: 400 },
    );
  });

  it('a band of tiles read row by row across them equals the reference tile by tile (property)', () => {
    const cp = cpixelPacker(new PixelTranslator(NATIVE_FORMAT));
    fc.assert(
      fc.property(fc.array(tileArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 5 }), (parts, h, pad) => {
        // tiles side by side (64 wide but the last), each from its own random tile's pixels
        const widths = parts.map((p, i) => (i === parts.length - 1 ? p.w : 64));
        const w = widths.reduce((a, b) => a + b, 0);
        const stride = w + pad;
        const surface = new Uint32Array(stride * h).fill(0xfefefe);
        const tiles = parts.map((p, i) => Array.from({ length: widths[i]! * h }, (_, k) => p.px[k % p.px.length]!));
        tiles.forEach((px, i) => {
          for (let y = 0; y < h; y++) for (let x = 0; x < widths[i]!; x++) surface[y * stride + i * 64 + x] = px[y * widths[i]! + x]!;
        });
        const out = new ByteWriter(16);
        encodeBand(surface, 0, stride, w, h, cp, 0, out);
        expect([...out.toBuffer()]).toEqual(tiles.flatMap((px, i) => referenceTile(px, widths[i]!, h, cp)));
        const wasm = new ByteWriter(16);
        zrleBandWasm(surface, 0, stride, w, h, wasm, 64);
        expect([...wasm.toBuffer()]).toEqual([...out.toBuffer()]);
      }),
      { numRuns: 200 },
    );
  });

  it('other CPIXEL sizes through the packer (16 bpp: 2 bytes; 10-bit colour: 4 bytes) (property)', () => {
    for (const name of ['rgb565-le', 'rgb101010-le']) {
      const cp = cpixelPacker(new PixelTranslator(FORMATS[name]!));
      const mask = cp.size === 2 ? 0xffff : 0x3fffffff;
      fc.assert(
        fc.property(tileArb, ({ w, h, px }) => {
          const vals = px.map((v) => (v * 2654435761) & mask);
          const out = new ByteWriter(16);
          encodeZrleTile(Uint32Array.from(vals), w, h, cp, out);
          expect([...out.toBuffer()]).toEqual(referenceTile(vals, w, h, cp));
        }),
        { numRuns: 150 },
      );
    }
  });

  it('the edge cases: one pixel, a full 64x64 solid tile, 127 and 128 colours, runs past 255 and 4095', () => {
    const cp = cpixelPacker(new PixelTranslator(NATIVE_FORMAT));
    const check = (px: number[], w: number, h: number) => {
      const out = new ByteWriter(16);
      encodeTile(Uint32Array.from(px), 0, w, w, h, cp, 0, out);
      expect([...out.toBuffer()]).toEqual(referenceTile(px, w, h, cp));
      const wasm = new ByteWriter(16);
      zrleBandWasm(Uint32Array.from(px), 0, w, w, h, wasm, w);
      expect([...wasm.toBuffer()]).toEqual([...out.toBuffer()]);
    };
    check([7], 1, 1);
    check(Array(4096).fill(0x123456), 64, 64);
    check([...Array(4095).fill(1), 2], 64, 64);
    check([2, ...Array(4095).fill(1)], 64, 64);
    for (const k of [16, 17, 127, 128]) check(Array.from({ length: 4096 }, (_, i) => (i % k) * 0x10101), 64, 64);
    check(Array.from({ length: 4096 }, (_, i) => (i < 256 ? 5 : i < 600 ? 6 : (i >> 4) & 1)), 64, 64);
    expect(() => encodeTile(new Uint32Array(65 * 64), 0, 65, 65, 64, cp, 0, new ByteWriter())).toThrow(RangeError);
  });
});
