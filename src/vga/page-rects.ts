// Dirty VRAM pages → framebuffer rectangles for a linear mode (strides need not divide 4096).
import { PAGE_SHIFT, PAGE_SIZE } from '../hypervisor/memory.js';
import type { Rect } from '../display/surface.js';

/** Where a linear framebuffer lies in VRAM. */
export interface LinearLayout {
  /** VRAM byte offset of the top-left visible pixel (panning included). */
  startByte: number;
  /** Bytes from one scanline to the next (VBE virtual width × bytes per pixel). */
  stride: number;
  width: number;
  height: number;
  bytesPerPixel: number;
}

/** The page range covering every visible byte: the range to ask the tracker about. */
export function framebufferPages(l: LinearLayout): { firstPfn: number; nr: number } {
  const first = l.startByte >>> PAGE_SHIFT;
  const endByte = l.startByte + (l.height - 1) * l.stride + l.width * l.bytesPerPixel; // exclusive
  const last = Math.ceil(endByte / PAGE_SIZE); // exclusive
  return { firstPfn: first, nr: Math.max(0, last - first) };
}

/**
 * Turn a dirty-page bitmap (bit i = page firstPfn+i) into the rectangles of the framebuffer those
 * pages hold. A run of pages inside one scanline gives a partial row; a run across scanlines gives
 * its partial first row, the full rows between and its partial last row. Vertically adjacent
 * rectangles with the same columns are merged.
 */
export function pagesToRects(bitmap: Uint32Array, firstPfn: number, nr: number, l: LinearLayout): Rect[] {
  const out: Rect[] = [];
  const fbBytes = l.stride * l.height;
  const push = (x0: number, x1: number, y0: number, y1: number) => {
    x0 = Math.max(0, x0);
    x1 = Math.min(l.width, x1);
    if (x1 <= x0 || y1 <= y0) return;
    const prev = out[out.length - 1];
    if (prev && prev.x === x0 && prev.w === x1 - x0 && prev.y + prev.h === y0) prev.h += y1 - y0;
    else out.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
  };
  let i = 0;
  while (i < nr) {
    if (!(bitmap[i >>> 5]! & (1 << (i & 31)))) {
      // skip clean words quickly
      if ((i & 31) === 0 && bitmap[i >>> 5] === 0) i += 32;
      else i++;
      continue;
    }
    let e = i + 1;
    while (e < nr && bitmap[e >>> 5]! & (1 << (e & 31))) e++;
    const rel0 = Math.max(0, (firstPfn + i) * PAGE_SIZE - l.startByte);
    const rel1 = Math.min(fbBytes, (firstPfn + e) * PAGE_SIZE - l.startByte); // exclusive
    if (rel1 > rel0) {
      const y0 = Math.floor(rel0 / l.stride);
      const y1 = Math.floor((rel1 - 1) / l.stride);
      const xs = Math.floor((rel0 - y0 * l.stride) / l.bytesPerPixel);
      const xe = Math.ceil((rel1 - y1 * l.stride) / l.bytesPerPixel);
      if (y0 === y1) push(xs, xe, y0, y0 + 1);
      else {
        push(xs, l.width, y0, y0 + 1);
        push(0, l.width, y0 + 1, y1);
        push(0, xe, y1, y1 + 1);
      }
    }
    i = e;
  }
  return out;
}
