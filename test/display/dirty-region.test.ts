import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DirtyRegion } from '../../src/display/dirty-region.js';

/**
 * A region's width, height and up to `n` rectangles marked on it (some partly outside). Up to 1100
 * pixels wide: rows of several 32-chunk words (takeRects skips clean words whole).
 */
const regions = (n: number) =>
  [
    fc.integer({ min: 1, max: 1100 }),
    fc.integer({ min: 1, max: 40 }),
    fc.array(fc.record({ x: fc.integer({ min: -20, max: 1120 }), y: fc.integer({ min: -5, max: 45 }), w: fc.integer({ min: 0, max: 90 }), h: fc.integer({ min: 0, max: 20 }) }), { maxLength: n }),
  ] as const;

describe('DirtyRegion', () => {
  it('marks 16-pixel chunks and returns chunk-aligned rectangles clipped to the size', () => {
    const r = new DirtyRegion(100, 50);
    r.addRect({ x: 5, y: 3, w: 20, h: 2 });
    expect(r.countChunks()).toBe(4);
    expect(r.takeRects()).toEqual([{ x: 0, y: 3, w: 32, h: 2 }]);
    expect(r.isEmpty()).toBe(true);
    r.addRect({ x: 90, y: 49, w: 50, h: 50 });
    expect(r.takeRects()).toEqual([{ x: 80, y: 49, w: 20, h: 1 }]);
  });

  it('takes only the chunks meeting the requested area and leaves the rest pending', () => {
    const r = new DirtyRegion(64, 64);
    r.addRect({ x: 0, y: 0, w: 64, h: 64 });
    expect(r.takeRects({ x: 16, y: 10, w: 16, h: 5 })).toEqual([{ x: 16, y: 10, w: 16, h: 5 }]);
    expect(r.countChunks()).toBe(4 * 64 - 5);
  });

  it('returns rectangles that cover every marked chunk exactly once (property)', () => {
    fc.assert(
      fc.property(
        ...regions(8),
        (W, H, rects) => {
          const r = new DirtyRegion(W, H);
          const expected = new DirtyRegion(W, H);
          for (const x of rects) {
            r.addRect(x);
            expected.addRect(x);
          }
          const n = expected.countChunks();
          const out = r.takeRects();
          const seen = new DirtyRegion(W, H);
          let area = 0;
          for (const q of out) {
            expect(q.x % 16).toBe(0);
            expect(q.x + q.w <= W && q.y + q.h <= H).toBe(true);
            seen.addRect(q);
            area += Math.ceil(q.w / 16) * q.h;
          }
          expect(area).toBe(n); // no overlaps, nothing extra
          expect(seen.countChunks()).toBe(n);
          for (let y = 0; y < H; y++) for (let c = 0; c < Math.ceil(W / 16); c++) expect(seen.isSet(y, c)).toBe(expected.isSet(y, c));
          expect(r.isEmpty()).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('bounds is the chunk-aligned box of every marked chunk, clipped to the width, and leaves the region as it was (property)', () => {
    fc.assert(
      fc.property(
        ...regions(6),
        (W, H, rects) => {
          const r = new DirtyRegion(W, H);
          for (const x of rects) r.addRect(x);
          const n = r.countChunks();
          let box: { x0: number; y0: number; x1: number; y1: number } | null = null;
          for (let y = 0; y < H; y++)
            for (let c = 0; c < r.chunksPerRow; c++) {
              if (!r.isSet(y, c)) continue;
              box ??= { x0: c, y0: y, x1: c, y1: y };
              box = { x0: Math.min(box.x0, c), y0: Math.min(box.y0, y), x1: Math.max(box.x1, c), y1: Math.max(box.y1, y) };
            }
          const want = box && { x: box.x0 * 16, y: box.y0, w: Math.min(W, (box.x1 + 1) * 16) - box.x0 * 16, h: box.y1 + 1 - box.y0 };
          expect(r.bounds()).toEqual(want);
          expect(r.countChunks()).toBe(n);
        },
      ),
      { numRuns: 200 },
    );
  });
});
