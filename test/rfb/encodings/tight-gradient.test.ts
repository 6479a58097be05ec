// Tight's gradient filter (gradient888) against the rule written out per component (RFC 6143's
// Tight section / TigerVNC's decoder): each component minus clamp(L + U - UL) to 0..255, modulo 256,
// with 0 outside the rectangle; on smooth pictures, on extremes that force the clamp, and on flat runs and
// row-constant gradients (the flatRuns path that writes a run's zeros without predicting each pixel);
// the TypeScript and the WebAssembly kernel (pixel-kernels.ts) both, and bits outside the components
// ignored.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradient888 } from '../../../src/rfb/encodings/tight.js';
import { pixelKernelsInWasm } from '../../../src/rfb/encodings/pixel-kernels.js';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { NATIVE_FORMAT, PixelTranslator } from '../../../src/rfb/wire/pixel-format.js';

function reference(px: Uint32Array, base: number, stride: number, w: number, h: number, shifts: number[]): number[] {
  const comp = (x: number, y: number, sh: number) => (x < 0 || y < 0 ? 0 : (px[base + y * stride + x]! >>> sh) & 255);
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (const sh of shifts) {
        const p = comp(x - 1, y, sh) + comp(x, y - 1, sh) - comp(x - 1, y - 1, sh);
        out.push((comp(x, y, sh) - Math.max(0, Math.min(255, p))) & 255);
      }
    }
  }
  return out;
}

describe('gradient888', () => {
  it('runs in WebAssembly where the kernel is built (npm test builds it; without it the wasm cases below would test the TypeScript twice)', () => {
    expect(pixelKernelsInWasm()).toBe(true);
  });
  const formats = [
    { label: 'native 0x00RRGGBB', pf: NATIVE_FORMAT },
    { label: 'BGR (red shift 0)', pf: { ...NATIVE_FORMAT, redShift: 0, blueShift: 16 } },
    { label: 'RGBX (red shift 24)', pf: { ...NATIVE_FORMAT, redShift: 24, greenShift: 16, blueShift: 8 } },
  ];
  for (const { label, pf } of formats) for (const wasm of [false, true]) {
    it(`matches the per-component rule on smooth and extreme pixels, inside a larger surface (${label}, ${wasm ? 'WebAssembly' : 'TypeScript'})`, () => {
      const tr = new PixelTranslator(pf);
      const shifts = [pf.redShift, pf.greenShift, pf.blueShift];
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 0, max: 7 }),
          fc.integer(),
          fc.constantFrom('smooth', 'extreme', 'noise', 'flat', 'spare bits'),
          fc.boolean(),
          (w, h, margin, seed, kind, flatRuns) => {
            const stride = w + margin;
            const px = new Uint32Array(stride * (h + 1) + margin);
            let s = seed >>> 0;
            const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8;
            for (let i = 0; i < px.length; i++) {
              const x = i % stride;
              const y = Math.floor(i / stride);
              if (kind === 'smooth') px[i] = (((x * 3 + y) & 255) << 16) | (((x + y * 5) & 255) << 8) | ((x * 7) & 255);
              else if (kind === 'extreme') px[i] = [0, 0xffffff, 0xff00ff, 0x00ff00, 0x0000ff, 0xff0000][rnd() % 6]!;
              else if (kind === 'flat') px[i] = rnd() % 4 === 0 ? rnd() & 0xffffff : ((y * 9) << 16) | (((x >> 3) * 40) & 255);
              else if (kind === 'spare bits') px[i] = (rnd() << 8) ^ rnd(); // the byte outside the components set too
              else px[i] = rnd() & 0xffffff;
            }
            const out = new ByteWriter(16);
            out.u8(0x5a); // appended after what is there
            gradient888(px, margin, stride, w, h, tr, out, flatRuns, wasm);
            expect([...out.view()]).toEqual([0x5a, ...reference(px, margin, stride, w, h, shifts)]);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('gives the same bytes both ways on a block larger than the kernel memory held before (it grows), after a small one', () => {
    const tr = new PixelTranslator(NATIVE_FORMAT);
    for (const [w, h] of [[7, 3], [2048, 400], [5, 2]] as const) {
      const px = new Uint32Array(w * h).map((_, i) => Math.imul(i, 2654435761) >>> ((i >> 11) & 7));
      const a = new ByteWriter(16);
      const b = new ByteWriter(16);
      gradient888(px, 0, w, w, h, tr, a, false, false);
      gradient888(px, 0, w, w, h, tr, b, false, true);
      expect(b.length).toBe(w * h * 3);
      expect(Buffer.compare(a.view(), b.view())).toBe(0);
    }
  });
});
