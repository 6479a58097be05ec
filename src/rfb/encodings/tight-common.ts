// Pieces Tight and TightPNG share (rfbproto "Tight Encoding"): the compact length, the size limits,
// and the photo test and JPEG that both use (the control byte's values: wire/encodings.ts).
import jpeg from 'jpeg-js';
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import { splitRect } from './split.js';

/** Tight takes rectangles up to 2048 pixels wide; we also keep their data under 64 Ki pixels. */
export const TIGHT_MAX_WIDTH = 2048;
export const TIGHT_MAX_AREA = 65536;

/** JPEG rectangles may be larger (no zlib data to bound): one JPEG costs much less than many small ones. */
export const TIGHT_MAX_JPEG_AREA = 2048 * 1024;

/**
 * Tight's cut of a large rectangle: whole (up to 2048 wide, 2 Mpixels) when it will be one JPEG,
 * else pieces of at most 64 Ki pixels.
 */
export function tightSplit(r: Rect, fb: Surface, jpegPossible: boolean): Rect[] {
  if (jpegPossible && r.w * r.h > TIGHT_MAX_AREA && r.w >= 8 && r.h >= 8) {
    const { exact, large } = predictorStats(r, fb);
    if (exact < 0.6 && large < 0.05) return splitRect(r, TIGHT_MAX_WIDTH, TIGHT_MAX_JPEG_AREA);
  }
  return splitRect(r, TIGHT_MAX_WIDTH, TIGHT_MAX_AREA);
}

/** JPEG quality for QualityLevel 0-9 (the TightVNC table). */
export const JPEG_QUALITY = [5, 10, 15, 25, 37, 50, 60, 70, 75, 80];

/** Tight's compact length: 1-3 bytes, 7 bits each, low bits first, bit 7 = more follows. */
export function writeCompactLength(out: ByteWriter, n: number): void {
  if (n > 0x3fffff) throw new RangeError(`tight length ${n} does not fit in 22 bits`);
  if (n < 0x80) {
    out.u8(n);
  } else if (n < 0x4000) {
    out.u8((n & 0x7f) | 0x80).u8(n >> 7);
  } else {
    out.u8((n & 0x7f) | 0x80).u8(((n >> 7) & 0x7f) | 0x80).u8(n >> 14);
  }
}

/** JPEG of rect's native pixels (4:2:0, baseline), as jpeg-js writes it. */
export function encodeJpeg(r: Rect, fb: Surface, quality: number): Buffer {
  const rgba = Buffer.allocUnsafe(r.w * r.h * 4);
  let o = 0;
  for (let y = 0; y < r.h; y++) {
    let s = (r.y + y) * fb.width + r.x;
    for (let x = 0; x < r.w; x++, o += 4) {
      const p = fb.data[s++]!;
      rgba[o] = p >>> 16;
      rgba[o + 1] = p >>> 8;
      rgba[o + 2] = p;
      rgba[o + 3] = 255;
    }
  }
  return jpeg.encode({ data: rgba, width: r.w, height: r.h }, quality).data;
}

/**
 * Photo-like: many colours and smooth (neighbours close), as a camera picture and unlike text
 * or a flat desktop. `colours` is the count so far (null: more than the palette limit).
 */
export function isPhotoLike(r: Rect, fb: Surface, colours: number | null): boolean {
  if (colours !== null || r.w < 8 || r.h < 8) return false;
  const { exact, large } = predictorStats(r, fb);
  // synthetic pictures (flat fills, clean gradients, text over them) are predicted exactly almost
  // everywhere, and the lossless filters pack them better; noise (even a patch of it) has many
  // large prediction errors, which a photo has only at its few edges
  return exact < 0.6 && large < 0.05;
}

/**
 * Mean absolute gradient-predictor error, the fractions of components it predicts within 1
 * (exact) and misses by more than 32 (large), and the fraction of pixels equal to their left
 * neighbour under an upper neighbour equal to its left (flat: predicted exactly), over a sample of about 1024 pixels (each sample
 * reads two rows: at 4096 the sampling cost a desktop frame 0.6 ms, for the same decisions).
 */
export function predictorStats(r: Rect, fb: Surface): { mean: number; exact: number; large: number; flat: number } {
  const d = fb.data;
  let sum = 0;
  let zero = 0;
  let big = 0;
  let flat = 0;
  let n = 0;
  const step = Math.max(1, Math.floor((r.w * r.h) / 1024));
  for (let i = 0; i < r.w * r.h; i += step) {
    const x = i % r.w;
    const y = (i - x) / r.w;
    if (x === 0 || y === 0) continue;
    const o = (r.y + y) * fb.width + r.x + x;
    const v = d[o]!;
    const l = d[o - 1]!;
    const u = d[o - fb.width]!;
    const ul = d[o - fb.width - 1]!;
    if (v === l && u === ul) flat++;
    for (let s = 0; s < 24; s += 8) {
      const p = Math.min(255, Math.max(0, ((l >>> s) & 255) + ((u >>> s) & 255) - ((ul >>> s) & 255)));
      const e = Math.abs(((v >>> s) & 255) - p);
      sum += e;
      if (e <= 1) zero++;
      if (e > 32) big++;
    }
    n += 3;
  }
  return n ? { mean: sum / n, exact: zero / n, large: big / n, flat: flat / (n / 3) } : { mean: 0, exact: 1, large: 0, flat: 0 };
}
