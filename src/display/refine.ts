// Exact-change refinement: compare source pixels with the surface (the server's shadow of what
// clients were sent) chunk by chunk, copy what differs and mark it (QEMU vnc_refresh_server_surface).
import { CHUNK, DirtyRegion } from './dirty-region.js';
import type { Rect, Surface } from './surface.js';

/**
 * Refine `rect` of a 32 bpp linear source (`src`, pixel index `start` for (0,0), `stridePx`
 * pixels per scanline) into `surface`, marking changed 16-pixel chunks in `out`.
 * Returns the number of pixels compared.
 */
export function refineLinear32(src: Uint32Array, start: number, stridePx: number, surface: Surface, rect: Rect, out: DirtyRegion): number {
  const w = surface.width;
  const dst = surface.data;
  const c0 = Math.floor(rect.x / CHUNK);
  const c1 = Math.ceil((rect.x + rect.w) / CHUNK);
  let compared = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    const s0 = start + y * stridePx;
    const d0 = y * w;
    for (let c = c0; c < c1; c++) {
      const x0 = c * CHUNK;
      const x1 = Math.min(w, x0 + CHUNK);
      let x = x0;
      while (x < x1 && src[s0 + x] === dst[d0 + x]) x++;
      compared += x - x0;
      if (x < x1) {
        // a plain loop: a subarray per chunk (48K of them for a full frame) costs more than it copies
        for (; x < x1; x++) dst[d0 + x] = src[s0 + x]!;
        out.addChunk(y, c);
      }
    }
  }
  return compared;
}

/**
 * The same for any source that can produce a scanline of native pixels: `row(y, x0, x1, tmp)`
 * fills tmp[x0..x1) with row y's pixels.
 */
export function refineRows(row: (y: number, x0: number, x1: number, tmp: Uint32Array) => void, surface: Surface, rect: Rect, out: DirtyRegion, tmp: Uint32Array): void {
  const w = surface.width;
  const dst = surface.data;
  const c0 = Math.floor(rect.x / CHUNK);
  const c1 = Math.ceil((rect.x + rect.w) / CHUNK);
  const xa = c0 * CHUNK;
  const xb = Math.min(w, c1 * CHUNK);
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    row(y, xa, xb, tmp);
    const d0 = y * w;
    for (let c = c0; c < c1; c++) {
      const x0 = c * CHUNK;
      const x1 = Math.min(w, x0 + CHUNK);
      let x = x0;
      while (x < x1 && tmp[x] === dst[d0 + x]) x++;
      if (x < x1) {
        for (; x < x1; x++) dst[d0 + x] = tmp[x]!;
        out.addChunk(y, c);
      }
    }
  }
}
