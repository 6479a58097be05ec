// Large one-colour areas of a rectangle, found on a grid of 16x16 blocks (as TigerVNC's encode
// manager does before Tight): they go as fills, and the rest as rectangles with fewer colours,
// often two (Tight's 1-bit mono data) or one palette for less area, so that zlib has less to do.
import type { Rect, Surface } from '../../display/surface.js';

export const SOLID_BLOCK = 16;
/** A solid area smaller than this (pixels) is not worth a rectangle of its own. */
export const SOLID_MIN_AREA = 4096;

/** Scratch per call size, reused. */
let colour = new Int32Array(0);
let covered = new Uint8Array(0);

/**
 * Cut r into solid areas (whole blocks of one colour, at least SOLID_MIN_AREA pixels, grown right
 * then down) and the rest (runs of other blocks per block row, merged down while their columns
 * match). Together they cover r exactly, without overlap.
 */
export function solidAreas(r: Rect, fb: Surface): { solid: Rect[]; rest: Rect[] } {
  const B = SOLID_BLOCK;
  const bw = Math.ceil(r.w / B);
  const bh = Math.ceil(r.h / B);
  const nb = bw * bh;
  if (colour.length < nb) {
    colour = new Int32Array(nb);
    covered = new Uint8Array(nb);
  }
  covered.fill(0, 0, nb);
  const d = fb.data;
  const W = fb.width;
  let anySolid = false;
  // row by row across each row of blocks (sequential memory), each block compared with its first pixel
  for (let by = 0; by < bh; by++) {
    const y0 = r.y + by * B;
    const h = Math.min(B, r.y + r.h - y0);
    const blocks = by * bw;
    // (as Int32: -1 marks a block found not solid; a block of 0xffffffff counts as one, harmlessly)
    for (let bx = 0; bx < bw; bx++) colour[blocks + bx] = d[y0 * W + r.x + bx * B]! | 0;
    let open = 0;
    for (let bx = 0; bx < bw; bx++) if (colour[blocks + bx] !== -1) open++;
    for (let y = 0; y < h && open > 0; y++) {
      const row = (y0 + y) * W + r.x;
      for (let bx = 0; bx < bw; bx++) {
        const c = colour[blocks + bx]!;
        if (c === -1) continue;
        const x0 = bx * B;
        const end = row + Math.min(x0 + B, r.w);
        for (let i = row + x0; i < end; i++)
          if ((d[i]! | 0) !== c) {
            colour[blocks + bx] = -1;
            open--;
            break;
          }
      }
    }
    anySolid ||= open > 0;
  }
  const solid: Rect[] = [];
  if (anySolid) {
    for (let by = 0; by < bh; by++) {
      for (let bx = 0; bx < bw; bx++) {
        const c = colour[by * bw + bx]!;
        if (c === -1 || covered[by * bw + bx]) continue;
        let ex = bx;
        while (ex + 1 < bw && !covered[by * bw + ex + 1] && colour[by * bw + ex + 1] === c) ex++;
        let ey = by;
        grow: while (ey + 1 < bh) {
          for (let x = bx; x <= ex; x++) if (covered[(ey + 1) * bw + x] || colour[(ey + 1) * bw + x] !== c) break grow;
          ey++;
        }
        const x0 = r.x + bx * B;
        const y0 = r.y + by * B;
        const x1 = Math.min(r.x + r.w, r.x + (ex + 1) * B);
        const y1 = Math.min(r.y + r.h, r.y + (ey + 1) * B);
        if ((x1 - x0) * (y1 - y0) < SOLID_MIN_AREA) continue;
        for (let y = by; y <= ey; y++) covered.fill(1, y * bw + bx, y * bw + ex + 1);
        solid.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
      }
    }
  }
  if (solid.length === 0) return { solid, rest: [r] };
  // the rest: runs of uncovered blocks per block row, merged down while the columns match
  const rest: Rect[] = [];
  let open: Rect[] = [];
  for (let by = 0; by < bh; by++) {
    const y0 = r.y + by * B;
    const h = Math.min(B, r.y + r.h - y0);
    const next: Rect[] = [];
    for (let bx = 0; bx < bw; ) {
      if (covered[by * bw + bx]) {
        bx++;
        continue;
      }
      let ex = bx;
      while (ex + 1 < bw && !covered[by * bw + ex + 1]) ex++;
      const x0 = r.x + bx * B;
      const x1 = Math.min(r.x + r.w, r.x + (ex + 1) * B);
      const above = open.find((o) => o.x === x0 && o.w === x1 - x0);
      if (above) {
        above.h += h;
        next.push(above);
      } else next.push({ x: x0, y: y0, w: x1 - x0, h });
      bx = ex + 1;
    }
    for (const o of open) if (!next.includes(o)) rest.push(o);
    open = next;
  }
  rest.push(...open);
  return { solid, rest };
}
