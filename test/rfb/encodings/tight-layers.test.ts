// Tight's text layers (tight-layers.ts): a text line in several colours goes as a one-bit layer of
// its main colour and the words in other colours drawn over it. Random text pictures and crops,
// every CompressLevel, in place and translated, decoded by the headless client's decoder, equal to
// Raw pixel for pixel; and the cut itself on lines built by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Surface, type Rect } from '../../../src/display/surface.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';
import type { TightEncoder } from '../../../src/rfb/encodings/tight.js';
import { beginLayers, isLayer, textLayers, type LayerPiece } from '../../../src/rfb/encodings/tight-layers.js';
import { tightCropThenWhole, xorshift } from './roundtrip.js';

const W = 400;
const H = 240;

/**
 * Lines of "words" (random dots in a 5-pixel grid, one colour each) on a background, 16 pixels a
 * line; `clash` lines also get a column with two word colours (such a line is not layered).
 */
function textPicture(seed: number, colours: number, clash: boolean): Surface {
  const rnd = xorshift(seed);
  const s = new Surface(W, H);
  const bg = rnd(0x1000000);
  const fgs = Array.from({ length: colours }, () => rnd(0x1000000) | 0x010101);
  s.data.fill(bg);
  for (let y = 2; y + 12 <= H; y += 16) {
    let x = 2 + rnd(8);
    while (x < W - 30) {
      const c = fgs[rnd(colours)]!;
      const len = 10 + rnd(40);
      for (let yy = 0; yy < 12; yy++) for (let xx = 0; xx < len; xx++) if (rnd(3) === 0) s.data[(y + yy) * W + x + xx] = c;
      x += len + 3 + rnd(10);
    }
    if (clash && rnd(4) === 0) {
      const cx = 1 + rnd(W - 2);
      s.data[y * W + cx] = fgs[0]!;
      s.data[(y + 5) * W + cx] = fgs[1 % colours]!;
    }
  }
  return s;
}

/** A cut as plain data (its layers' bits copied: they live in scratch the next cut reuses). */
function snapshot(pieces: Rect[] | null): unknown {
  beginLayers();
  return pieces?.map((p) => (isLayer(p) ? { ...p, layer: { ...p.layer, bits: p.layer.bits && [...p.layer.bits] } } : { ...p }));
}

describe('Tight text layers', () => {
  it('cuts the same layers, words and bits with the column pass in WebAssembly as in TypeScript (property)', () => {
    let cut = 0;
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.record({ x: fc.nat(W - 1), y: fc.nat(H - 1), w: fc.integer({ min: 1, max: W }), h: fc.integer({ min: 1, max: H }) }),
        (seed, colours, clash, c) => {
          const s = textPicture(seed, colours, clash);
          const r = { x: c.x, y: c.y, w: Math.min(c.w, W - c.x), h: Math.min(c.h, H - c.y) };
          const wasm = snapshot(textLayers(r, s, true));
          expect(snapshot(textLayers(r, s, false))).toEqual(wasm);
          if (wasm) cut++;
        },
      ),
      { numRuns: 300 },
    );
    expect(cut).toBeGreaterThan(50); // most crops are text
  });

  it('finds a column of two word colours anywhere, in the whole strips of eight and in the columns after them, both ways', () => {
    for (let w = 64; w < 72; w++) {
      for (let x = 0; x < w; x += x < 8 ? 1 : w - x > 9 ? 7 : 1) {
        const s = textPicture(w * 131 + x, 1, false);
        const r = { x: 2, y: 0, w, h: 32 };
        for (let y = 4; y < 12; y++) s.data[y * W + 2 + x] = y & 1 ? 0x123456 : 0x654321; // a column of two colours in the first line
        const wasm = snapshot(textLayers(r, s, true));
        expect(snapshot(textLayers(r, s, false))).toEqual(wasm);
      }
    }
  });

  it('text pictures and crops at every CompressLevel decode to exactly what Raw shows (property)', () => {
    let layers = 0;
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.record({ x: fc.nat(W - 1), y: fc.nat(H - 1), w: fc.integer({ min: 1, max: W }), h: fc.integer({ min: 1, max: H }) }),
        fc.option(fc.integer({ min: 0, max: 9 })),
        fc.constantFrom('native', 'rgb565-le', 'bgr888-le', 'rgb888-be', 'rgb332', 'colour-map'),
        (seed, colours, clash, c, level, format) => {
          // the whole screen after a crop: the layers' data goes through the streams the crop used
          const { diff, set } = tightCropThenWhole(textPicture(seed, colours, clash), c, level, format);
          expect(diff).toBe(0);
          layers += (set.encoder(EncodingType.Tight) as TightEncoder).counters.layer;
        },
      ),
      { numRuns: 80 },
    );
    expect(layers).toBeGreaterThan(0);
  });

  /** A 200x20 picture: background 0, rows 4-11 hold words at the given columns and colours. */
  function line(words: { x: number; w: number; c: number }[]): Surface {
    const s = new Surface(200, 20);
    for (const wd of words) for (let y = 4; y < 12; y++) for (let x = wd.x; x < wd.x + wd.w; x += 2) s.data[y * 200 + x] = wd.c;
    return s;
  }
  const all: Rect = { x: 0, y: 0, w: 200, h: 20 };

  it('a line in two colours: a layer of the colour with the most columns over the whole line, then each word in the other', () => {
    const s = line([
      { x: 10, w: 30, c: 0xaaaaaa },
      { x: 50, w: 20, c: 0xff0000 },
      { x: 80, w: 40, c: 0xaaaaaa },
      { x: 130, w: 11, c: 0xff0000 },
    ]);
    const pieces = textLayers(all, s)!;
    expect(pieces).not.toBeNull();
    const [first, ...words] = pieces;
    expect(isLayer(first!)).toBe(true);
    const layer = first as LayerPiece;
    expect({ x: layer.x, y: layer.y, w: layer.w, h: layer.h }).toEqual(all);
    expect(layer.layer).toMatchObject({ bg: 0, fg: 0xaaaaaa });
    // the words in red, over the layer, from their first to their last coloured column, rows 4-11
    expect(words.map((p) => ({ x: p.x, y: p.y, w: p.w, h: p.h, fg: (p as LayerPiece).layer.fg }))).toEqual([
      { x: 50, y: 4, w: 19, h: 8, fg: 0xff0000 },
      { x: 130, y: 4, w: 11, h: 8, fg: 0xff0000 },
    ]);
  });

  it('a line in one colour, a column holding two colours, or no background row: no layers', () => {
    expect(textLayers(all, line([{ x: 10, w: 30, c: 0xaaaaaa }, { x: 80, w: 40, c: 0xaaaaaa }]))).toBeNull();
    const clash = line([{ x: 10, w: 30, c: 0xaaaaaa }, { x: 50, w: 20, c: 0xff0000 }]);
    clash.data[5 * 200 + 12] = 0xff0000; // column 12 now has grey and red
    expect(textLayers(all, clash)).toBeNull();
    const noise = new Surface(200, 20);
    const rnd = xorshift(5);
    for (let i = 0; i < noise.data.length; i++) noise.data[i] = rnd(0x1000000);
    expect(textLayers(all, noise)).toBeNull();
  });

  it('lines with the same main colour share one layer; lines of one colour each, in different colours, get a layer each', () => {
    const s = new Surface(200, 40);
    const put = (y0: number, x: number, w: number, c: number) => {
      for (let y = y0; y < y0 + 8; y++) for (let xx = x; xx < x + w; xx += 2) s.data[y * 200 + xx] = c;
    };
    put(4, 10, 30, 0xaaaaaa);
    put(4, 50, 11, 0xff0000);
    put(4, 70, 30, 0xaaaaaa);
    put(24, 10, 41, 0xaaaaaa);
    put(24, 60, 11, 0xff0000);
    put(24, 80, 21, 0xaaaaaa);
    const pieces = textLayers({ x: 0, y: 0, w: 200, h: 40 }, s)!;
    expect(pieces.map((p) => [p.x, p.y, p.w, p.h, (p as LayerPiece).layer.fg])).toEqual([
      [0, 0, 200, 40, 0xaaaaaa], // both lines: the first with its background rows down to row 24, then the second
      [50, 4, 11, 8, 0xff0000],
      [60, 24, 11, 8, 0xff0000],
    ]);
    const two = new Surface(200, 40);
    for (let y = 4; y < 12; y++) for (let x = 10; x < 60; x += 2) two.data[y * 200 + x] = 0xaaaaaa;
    for (let y = 24; y < 32; y++) for (let x = 10; x < 60; x += 2) two.data[y * 200 + x] = 0x00ff00;
    expect(textLayers({ x: 0, y: 0, w: 200, h: 40 }, two)!.map((p) => [p.y, p.h, (p as LayerPiece).layer.fg])).toEqual([
      [0, 24, 0xaaaaaa],
      [24, 16, 0x00ff00],
    ]);
  });
});
