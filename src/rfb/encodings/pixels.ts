// Pixel helpers shared by the encoders: client pixel values of a rectangle, PIXEL/CPIXEL/TPIXEL
// packing (rfbproto "ZRLE" CPIXEL and "Tight" TPIXEL rules), colour counting.
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelFormat, PixelTranslator } from '../wire/pixel-format.js';

/** The client pixel values of rect, rows packed. */
export function clientPixels(r: Rect, fb: Surface, tr: PixelTranslator, out?: Uint32Array): Uint32Array {
  const n = r.w * r.h;
  const px = out && out.length >= n ? out.subarray(0, n) : new Uint32Array(n);
  const src = fb.data;
  let o = 0;
  if (tr.identity) {
    for (let y = 0; y < r.h; y++) {
      const s = (r.y + y) * fb.width + r.x;
      px.set(src.subarray(s, s + r.w), o);
      o += r.w;
    }
    return px;
  }
  for (let y = 0; y < r.h; y++) {
    let s = (r.y + y) * fb.width + r.x;
    for (let x = 0; x < r.w; x++) px[o++] = tr.pixel(src[s++]!);
  }
  return px;
}

/** Writes one pixel value in some wire form. */
export interface Packer {
  readonly size: number;
  write(buf: Uint8Array, at: number, v: number): void;
}

/** A full PIXEL in the client's byte order. */
export function pixelPacker(tr: PixelTranslator): Packer {
  return { size: tr.bytesPerPixel, write: (buf, at, v) => tr.put(buf, at, v) };
}

function colourMask(pf: PixelFormat): number {
  return (pf.redMax * 2 ** pf.redShift + pf.greenMax * 2 ** pf.greenShift + pf.blueMax * 2 ** pf.blueShift) >>> 0;
}

/**
 * ZRLE's CPIXEL: 3 bytes when true-colour, 32 bpp, depth <= 24 and all colour bits lie in the
 * least (or else the most) significant 3 bytes of the pixel value; those 3 bytes, in the
 * client's byte order. Otherwise a whole PIXEL.
 */
export function cpixelPacker(tr: PixelTranslator): Packer {
  const pf = tr.pf;
  if (pf.trueColour && pf.bitsPerPixel === 32 && pf.depth <= 24) {
    const mask = colourMask(pf);
    if (mask <= 0xffffff) {
      return pf.bigEndian
        ? { size: 3, write: (b, at, v) => ((b[at] = v >>> 16), (b[at + 1] = v >>> 8), (b[at + 2] = v)) }
        : { size: 3, write: (b, at, v) => ((b[at] = v), (b[at + 1] = v >>> 8), (b[at + 2] = v >>> 16)) };
    }
    if ((mask & 0xff) === 0) {
      return pf.bigEndian
        ? { size: 3, write: (b, at, v) => ((b[at] = v >>> 24), (b[at + 1] = v >>> 16), (b[at + 2] = v >>> 8)) }
        : { size: 3, write: (b, at, v) => ((b[at] = v >>> 8), (b[at + 1] = v >>> 16), (b[at + 2] = v >>> 24)) };
    }
  }
  return pixelPacker(tr);
}

/** Whether Tight sends 3-byte TPIXELs (R, G, B) for this format: true-colour 32 bpp, depth 24, 8 bits each. */
export function isTpixel888(pf: PixelFormat): boolean {
  return pf.trueColour && pf.bitsPerPixel === 32 && pf.depth === 24 && pf.redMax === 255 && pf.greenMax === 255 && pf.blueMax === 255;
}

/** Tight's TPIXEL: R, G, B bytes for 888 formats, else a whole PIXEL. */
export function tpixelPacker(tr: PixelTranslator): Packer {
  const pf = tr.pf;
  if (isTpixel888(pf)) {
    const { redShift: rs, greenShift: gs, blueShift: bs } = pf;
    return { size: 3, write: (b, at, v) => ((b[at] = v >>> rs), (b[at + 1] = v >>> gs), (b[at + 2] = v >>> bs)) };
  }
  return pixelPacker(tr);
}

/**
 * The distinct values of px in order of first appearance, or null once there are more than
 * `limit` (so the caller can stop early on busy pictures).
 */
export function palette(px: Uint32Array, limit: number): Map<number, number> | null {
  const map = new Map<number, number>();
  let last = -1;
  for (let i = 0; i < px.length; i++) {
    const v = px[i]!;
    if (v === last) continue;
    last = v;
    if (!map.has(v)) {
      if (map.size >= limit) return null;
      map.set(v, map.size);
    }
  }
  return map;
}

/** The most frequent value of px (for RRE/Hextile backgrounds). */
export function mostFrequent(px: Uint32Array): number {
  const counts = new Map<number, number>();
  let best = px[0]!;
  let bestN = 0;
  for (let i = 0; i < px.length; i++) {
    const v = px[i]!;
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestN) {
      bestN = n;
      best = v;
    }
  }
  return best;
}

/**
 * Cover the pixels of a w x h block that differ from bg with rectangles of one colour each
 * (greedy: extend right, then down). Calls emit(colour, x, y, w, h); stops and returns false
 * as soon as more than maxRects would be needed.
 */
export function subrects(
  px: Uint32Array,
  base: number,
  stride: number,
  w: number,
  h: number,
  bg: number,
  maxRects: number,
  emit: (colour: number, x: number, y: number, w: number, h: number) => void,
): boolean {
  const done = new Uint8Array(w * h);
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (done[y * w + x]) continue;
      const c = px[base + y * stride + x]!;
      if (c === bg) continue;
      let x1 = x + 1;
      while (x1 < w && !done[y * w + x1] && px[base + y * stride + x1] === c) x1++;
      let y1 = y + 1;
      grow: while (y1 < h) {
        for (let k = x; k < x1; k++) if (done[y1 * w + k] || px[base + y1 * stride + k] !== c) break grow;
        y1++;
      }
      if (++n > maxRects) return false;
      for (let yy = y; yy < y1; yy++) done.fill(1, yy * w + x, yy * w + x1);
      emit(c, x, y, x1 - x, y1 - y);
      x = x1 - 1;
    }
  }
  return true;
}

/** Append one PIXEL (reserving first: the writer's buffer may move). */
export function writePixel(out: ByteWriter, tr: PixelTranslator, v: number): void {
  const at = out.reserve(tr.bytesPerPixel);
  tr.put(out.raw, at, v);
}

/** Append one value with a packer. */
export function writePacked(out: ByteWriter, p: Packer, v: number): void {
  const at = out.reserve(p.size);
  p.write(out.raw, at, v);
}
