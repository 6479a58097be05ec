// coalesceRects: a changed line of text comes out of takeRects as a rectangle per scanline; for a
// compressing encoding they join into one, and nothing dirty is ever left out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesceRects, DirtyRegion } from '../../src/display/dirty-region.js';
import { joinSlackPx } from '../../src/rfb/session/update-builder.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import type { Rect } from '../../src/display/surface.js';

/** A new line of text drawn at row y: three glyph cells, each scanline's changed chunks a little different. */
function textLine(region: DirtyRegion, y: number): void {
  for (let row = 1; row < 15; row++) {
    region.addRect({ x: 0, y: y + row, w: row % 3 === 0 ? 16 : 32, h: 1 });
    if (row > 2 && row < 13) region.addRect({ x: 48, y: y + row, w: 16, h: 1 });
  }
}

const covers = (rects: Rect[], x: number, y: number) => rects.some((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h);

describe('coalesceRects', () => {
  it("joins a text line's scanline rectangles into one for ZRLE and Tight, keeps them for Raw", () => {
    const region = new DirtyRegion(1024, 768);
    textLine(region, 752);
    const rects = region.takeRects();
    expect(rects.length).toBeGreaterThan(6);
    for (const t of [EncodingType.ZRLE, EncodingType.Tight]) expect(coalesceRects(rects, joinSlackPx(t))).toEqual([{ x: 0, y: 753, w: 64, h: 14 }]);
    expect(coalesceRects(rects, joinSlackPx(EncodingType.Raw))).toEqual(rects);
    expect(joinSlackPx(EncodingType.Hextile)).toBe(0);
  });

  it('keeps rectangles apart when one over both would mostly hold unchanged pixels', () => {
    const a = { x: 0, y: 0, w: 16, h: 16 };
    const b = { x: 992, y: 752, w: 16, h: 16 };
    expect(coalesceRects([a, b], 512)).toEqual([a, b]);
  });

  it('covers every dirty pixel, stays inside the screen, and never wastes more than the slack per join', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ x: fc.integer({ min: 0, max: 255 }), y: fc.integer({ min: 0, max: 127 }), w: fc.integer({ min: 1, max: 40 }), h: fc.integer({ min: 1, max: 20 }) }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 600 }),
        (adds, slack) => {
          const region = new DirtyRegion(256, 128);
          for (const r of adds) region.addRect(r);
          const rects = region.takeRects();
          const joined = coalesceRects(rects, slack);
          for (const r of rects) for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x += 4) expect(covers(joined, x, y)).toBe(true);
          for (const r of joined) expect(r.x >= 0 && r.y >= 0 && r.x + r.w <= 256 && r.y + r.h <= 128).toBe(true);
          const area = (rs: Rect[]) => rs.reduce((s, r) => s + r.w * r.h, 0);
          expect(area(joined)).toBeLessThanOrEqual(area(rects) + slack * (rects.length - joined.length));
          expect(joined.length).toBeLessThanOrEqual(rects.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
