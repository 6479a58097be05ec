// Move detection: real scrolls are found exactly; small bands (a cursor, a clock) are not searched.
import { describe, expect, it } from 'vitest';
import { DirtyRegion } from '../../../src/display/dirty-region.js';
import { Surface } from '../../../src/display/surface.js';
import { MIN_MOVE_AREA, MoveDetector } from '../../../src/rfb/encodings/move-detect.js';

/** A picture whose rows are all different (so a shift is unambiguous). */
function picture(w: number, h: number, seed: number): Surface {
  const s = new Surface(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s.data[y * w + x] = (Math.imul(y + seed, 2654435761) ^ Math.imul(x, 40503)) >>> 8;
  return s;
}

/** Scroll the rows of rect r up by dy in s (the newly exposed strip gets new content). */
function scrollUp(s: Surface, r: { x: number; y: number; w: number; h: number }, dy: number): void {
  for (let y = r.y; y < r.y + r.h; y++)
    for (let x = r.x; x < r.x + r.w; x++) s.data[y * s.width + x] = y + dy < r.y + r.h ? s.data[(y + dy) * s.width + x]! : 0x123456 ^ (x * y);
}

function detectAfterScroll(r: { x: number; y: number; w: number; h: number }, dy: number) {
  const s = picture(640, 480, 1);
  const d = new DirtyRegion(640, 480);
  const m = new MoveDetector();
  m.commit(d, s); // the first frame
  scrollUp(s, r, dy);
  const changed = new DirtyRegion(640, 480);
  changed.addRect(r);
  const move = m.detect(changed, s);
  m.commit(changed, s);
  return { move, m };
}

describe('MoveDetector', () => {
  it('finds a terminal-like scroll of a large band exactly', () => {
    const r = { x: 0, y: 32, w: 640, h: 400 };
    const { move } = detectAfterScroll(r, 16);
    expect(move).not.toBeNull();
    expect(move!.srcY - move!.dst.y).toBe(16);
    expect(move!.dst.y).toBe(32);
    expect(move!.dst.h).toBe(400 - 16);
  });

  it('does not search a band smaller than MIN_MOVE_AREA, even if it moved', () => {
    const r = { x: 64, y: 64, w: 96, h: 96 };
    expect(r.w * r.h).toBeLessThan(MIN_MOVE_AREA);
    const { move, m } = detectAfterScroll(r, 8);
    expect(move).toBeNull();
    expect(m.counters.detections).toBe(0);
    // the same scroll over a band just large enough is found
    const big = { x: 64, y: 64, w: 128, h: 128 };
    const found = detectAfterScroll(big, 8);
    expect(found.move?.srcY).toBe((found.move?.dst.y ?? 0) + 8);
  });
});
