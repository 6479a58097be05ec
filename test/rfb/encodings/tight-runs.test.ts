// Tight's rectangles from the runs of one pixel pass (fill, mono bits, index bytes) and the
// gradient filter read in place: random pictures and crops, every CompressLevel (each stream at
// its own zlib level), decoded by the headless client's decoder, equal to Raw pixel for pixel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Surface } from '../../../src/display/surface.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';
import { TightEncoder, tightZlibLevels } from '../../../src/rfb/encodings/tight.js';
import { tightCropThenWhole, xorshift } from './roundtrip.js';

const W = 300;
const H = 200;

/** A picture of k colours in runs and blocks (k = 0: a smooth gradient with noise, as a photo). */
function picture(k: number, seed: number): Surface {
  const s = new Surface(W, H);
  const rnd = xorshift(seed);
  if (k === 0) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) s.data[y * W + x] = (((x + rnd(3)) & 255) << 16) | (((y * 2 + rnd(3)) & 255) << 8) | ((x + y) & 255);
    return s;
  }
  const cols = Array.from({ length: k }, () => rnd(0x1000000));
  s.data.fill(cols[0]!);
  for (let i = 0; i < 40; i++) {
    const c = cols[rnd(k)]!;
    const x = rnd(W);
    const y = rnd(H);
    const w = 1 + rnd(i < 5 ? 200 : 12);
    const h = 1 + rnd(i < 5 ? 120 : 8);
    for (let yy = y; yy < Math.min(H, y + h); yy++) s.data.fill(c, yy * W + x, yy * W + Math.min(W, x + w));
  }
  for (let i = 0; i < 300; i++) s.data[rnd(W * H)] = cols[rnd(k)]!;
  return s;
}

describe('Tight from runs', () => {
  it('random pictures and crops at every CompressLevel decode to exactly what Raw shows (property)', () => {
    const seen = { fill: 0, mono: 0, indexed: 0, gradient: 0, full: 0 };
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(0), fc.constant(2), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 7, max: 300 })),
        fc.integer(),
        fc.record({ x: fc.nat(W - 1), y: fc.nat(H - 1), w: fc.integer({ min: 1, max: W }), h: fc.integer({ min: 1, max: H }) }),
        fc.option(fc.integer({ min: 0, max: 9 })),
        fc.constantFrom('native', 'rgb565-le'),
        (k, seed, c, level, format) => {
          // twice through the same streams: the second rectangle's zlib data refers to the first's
          const { diff, set } = tightCropThenWhole(picture(k, seed), c, level, format);
          expect(diff).toBe(0);
          const t = set.encoder(EncodingType.Tight) as TightEncoder;
          for (const key of Object.keys(seen) as (keyof typeof seen)[]) seen[key] += t.counters[key];
        },
      ),
      { numRuns: 120 },
    );
    // every kind of rectangle was met
    expect(seen.fill).toBeGreaterThan(0);
    expect(seen.mono).toBeGreaterThan(0);
    expect(seen.indexed).toBeGreaterThan(0);
    expect(seen.gradient).toBeGreaterThan(0);
  });

  it('the pixel streams (full colour, gradient) and large palettes take a lower zlib level than few-colour palettes (text)', () => {
    for (let c = 0; c <= 9; c++) {
      const [full, few, many, gradient] = tightZlibLevels(c);
      expect(many).toBeLessThanOrEqual(few!);
      expect(full).toBe(gradient);
      expect(full).toBeLessThanOrEqual(few!);
      for (const l of [full, few, many]) expect(l).toBeGreaterThanOrEqual(1);
    }
    expect(tightZlibLevels(6)).toEqual([2, 5, 4, 2]);
    expect(tightZlibLevels(9)).toEqual([9, 9, 9, 9]);
  });
});
