// Cutting a rectangle into pieces an encoding takes (Tight: at most 2048 wide, bounded area).
import type { Rect } from '../../display/surface.js';

/** Split r into pieces no wider than maxWidth and no larger than maxArea pixels. */
export function splitRect(r: Rect, maxWidth = Infinity, maxArea = Infinity): Rect[] {
  if (r.w <= maxWidth && r.w * r.h <= maxArea) return [r];
  const out: Rect[] = [];
  const w = Math.min(maxWidth, r.w);
  const rows = Math.max(1, Math.floor(maxArea / w));
  for (let y = r.y; y < r.y + r.h; y += rows) {
    for (let x = r.x; x < r.x + r.w; x += w) out.push({ x, y, w: Math.min(w, r.x + r.w - x), h: Math.min(rows, r.y + r.h - y) });
  }
  return out;
}
