import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { framebufferPages, pagesToRects, type LinearLayout } from '../../src/vga/page-rects.js';
import { PAGE_SIZE } from '../../src/hypervisor/memory.js';

function bitmapOf(nr: number, set: number[]): Uint32Array {
  const b = new Uint32Array((nr + 31) >>> 5);
  for (const i of set) b[i >>> 5]! |= 1 << (i & 31);
  return b;
}

/** Every pixel whose bytes lie in a dirty page, by brute force. */
function pixelsInPages(l: LinearLayout, firstPfn: number, set: Set<number>): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < l.height; y++)
    for (let x = 0; x < l.width; x++) {
      const a = l.startByte + y * l.stride + x * l.bytesPerPixel;
      for (let b = a; b < a + l.bytesPerPixel; b++) {
        if (set.has(Math.floor(b / PAGE_SIZE) - firstPfn)) {
          out.add(`${x},${y}`);
          break;
        }
      }
    }
  return out;
}

describe('pagesToRects', () => {
  it('maps one page of an 800x600x32 mode (stride 3200, not dividing 4096) to a row and a partial row', () => {
    const l: LinearLayout = { startByte: 0, stride: 3200, width: 800, height: 600, bytesPerPixel: 4 };
    // page 1 = bytes 4096..8191: row 1 (bytes 3200..6399) from x=224, row 2 (6400..9599) up to x=448
    expect(pagesToRects(bitmapOf(10, [1]), 0, 10, l)).toEqual([
      { x: 224, y: 1, w: 576, h: 1 },
      { x: 0, y: 2, w: 448, h: 1 },
    ]);
  });

  it('maps a page inside a long scanline (2560x1600x32, stride 10240) to part of one row', () => {
    const l: LinearLayout = { startByte: 0, stride: 10240, width: 2560, height: 1600, bytesPerPixel: 4 };
    expect(pagesToRects(bitmapOf(10, [1]), 0, 10, l)).toEqual([{ x: 1024, y: 0, w: 1024, h: 1 }]);
  });

  it('maps a run of pages (bytes 8192..20479, stride 4000) to a partial row, full rows and a partial row', () => {
    const l: LinearLayout = { startByte: 0, stride: 4000, width: 1000, height: 100, bytesPerPixel: 4 };
    expect(pagesToRects(bitmapOf(100, [2, 3, 4]), 0, 100, l)).toEqual([
      { x: 48, y: 2, w: 952, h: 1 },
      { x: 0, y: 3, w: 1000, h: 2 },
      { x: 0, y: 5, w: 120, h: 1 },
    ]);
  });

  it('covers exactly the pixels in dirty pages, for any layout and any dirty set (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          width: fc.integer({ min: 1, max: 90 }),
          extra: fc.integer({ min: 0, max: 40 }),
          height: fc.integer({ min: 1, max: 60 }),
          bpp: fc.constantFrom(1, 2, 3, 4),
          startByte: fc.integer({ min: 0, max: 9000 }),
        }),
        fc.array(fc.nat(), { maxLength: 12 }),
        ({ width, extra, height, bpp, startByte }, raw) => {
          const l: LinearLayout = { startByte, stride: (width + extra) * bpp, width, height, bytesPerPixel: bpp };
          const { firstPfn, nr } = framebufferPages(l);
          const set = new Set(raw.map((v) => v % nr));
          const rects = pagesToRects(bitmapOf(nr, [...set]), firstPfn, nr, l);
          const covered = new Set<string>();
          for (const r of rects) {
            expect(r.x >= 0 && r.y >= 0 && r.x + r.w <= width && r.y + r.h <= height).toBe(true);
            for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) covered.add(`${x},${y}`);
          }
          const expected = pixelsInPages(l, firstPfn, set);
          for (const p of expected) expect(covered.has(p)).toBe(true);
          // and nothing beyond: every covered pixel has a byte in a dirty page
          for (const p of covered) expect(expected.has(p)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('framebufferPages spans exactly the visible bytes', () => {
    expect(framebufferPages({ startByte: 0, stride: 4096, width: 1024, height: 768, bytesPerPixel: 4 })).toEqual({ firstPfn: 0, nr: 768 });
    expect(framebufferPages({ startByte: 4100, stride: 3200, width: 800, height: 1, bytesPerPixel: 4 })).toEqual({ firstPfn: 1, nr: 1 });
  });
});
