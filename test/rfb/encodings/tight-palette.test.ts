// Tight's palette pass in WebAssembly (pixel-kernels.ts) against the TypeScript countColours and
// its runs: the same count, the same palette in the same order, the same index bytes and mono
// bits, the same overflow point (256 colours fit, 257 do not); and whole Tight rectangles from an
// encoder with the kernels and one without are the same bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Surface } from '../../../src/display/surface.js';
import { ColourIndex } from '../../../src/rfb/encodings/colour-index.js';
import { Runs, writePackedRuns } from '../../../src/rfb/encodings/runs.js';
import { countColours, TightEncoder } from '../../../src/rfb/encodings/tight.js';
import { paletteColours, paletteWasm, pixelKernelsInWasm, writeIndices, writeMonoBits } from '../../../src/rfb/encodings/pixel-kernels.js';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { NATIVE_FORMAT, PixelTranslator } from '../../../src/rfb/wire/pixel-format.js';
import { xorshift } from './roundtrip.js';

/** A block of k colours: runs of random length (some long, past the kernel's four-pixel steps), a few alternating. */
function block(k: number, n: number, seed: number): Uint32Array {
  const rnd = xorshift(seed);
  const cols = Array.from({ length: k }, () => rnd(0x1000000) | (rnd(2) << 31));
  const px = new Uint32Array(n);
  for (let i = 0; i < n; ) {
    const len = Math.min(n - i, rnd(4) === 0 ? 1 + rnd(40) : 1 + rnd(3));
    // every colour appears once early on, so that k is the count
    px.fill(i < k ? cols[i]! : rnd(3) === 0 ? cols[rnd(2)]! : cols[rnd(k)]!, i, i + len);
    i += i < k ? 1 : len;
  }
  return px;
}

describe('Tight palette pass in WebAssembly', () => {
  it('is built and loads (npm test builds it; without it these cases would not reach the kernel)', () => {
    expect(pixelKernelsInWasm()).toBe(true);
  });

  it('counts, orders and indexes as countColours and its runs do, in crops of a larger surface (property)', () => {
    const pal = new ColourIndex(256);
    const runs = new Runs(16);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 4, max: 40 }), fc.constantFrom(255, 256, 257, 300)), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 9 }), fc.integer(), (k, w, h, margin, seed) => {
        const stride = w + margin;
        const px = block(k, stride * h + margin, seed);
        const want = countColours(px, margin, stride, w, h, pal, runs);
        const got = paletteWasm(px, margin, stride, w, h, 256);
        expect(got).toBe(want);
        if (want === null) return;
        expect([...paletteColours(want)]).toEqual([...pal.colours.subarray(0, want)]);
        // index bytes: from the runs
        const a = new ByteWriter(16);
        for (let r = 0; r < runs.count; r++) for (let j = 0; j < runs.length[r]!; j++) a.u8(runs.index[r]!);
        const b = new ByteWriter(16);
        b.u8(7); // appended after what is there
        writeIndices(b, w * h);
        expect([...b.view()]).toEqual([7, ...a.view()]);
        if (want === 2) {
          const bits = new Uint8Array(((w + 7) >> 3) * h);
          writePackedRuns(runs, 0, runs.count, bits, 0, w, 1);
          const m = new ByteWriter(16);
          writeMonoBits(m, w, h);
          expect([...m.view()]).toEqual([...bits]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('overflows at the 257th colour of a large block, and grows its memory for one', () => {
    const n = 300 * 220; // over Tight's 64 Ki pixels: the kernel's memory grows past what the cases above needed
    for (const k of [256, 257]) {
      const px = block(k, n, k);
      expect(paletteWasm(px, 0, 300, 300, 220, 256)).toBe(k === 256 ? 256 : null);
    }
  });

  it('gives the same Tight rectangles as the TypeScript passes, piece by piece (property)', () => {
    const tr = new PixelTranslator(NATIVE_FORMAT);
    fc.assert(
      fc.property(fc.oneof(fc.constant(2), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 21, max: 300 })), fc.integer(), fc.integer({ min: 1, max: 160 }), fc.integer({ min: 1, max: 120 }), (k, seed, w, h) => {
        const s = new Surface(160, 120);
        s.data.set(block(k, s.data.length, seed).map((v) => v & 0xffffff));
        const r = { x: 160 - w, y: 120 - h, w, h };
        const outs = [true, false].map((wasm) => {
          const e = new TightEncoder(null, wasm);
          const out = new ByteWriter(16);
          for (const piece of e.split(r, s, tr)) e.encodeRect(piece, s, tr, out);
          return out.view();
        });
        expect(Buffer.compare(outs[0]!, outs[1]!)).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
