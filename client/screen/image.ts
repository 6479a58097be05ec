// RGBA images for screen tests: PNG in and out, crops, and the diff picture written on a failed match.
import fs from 'node:fs';
import { PNG } from 'pngjs';
import type { Rect } from '../../src/display/surface.js';

/** A picture as 8-bit RGBA rows (alpha is carried but never compared). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type { Rect } from '../../src/display/surface.js';

export function readPng(fileOrBytes: string | Uint8Array): RgbaImage {
  const bytes = typeof fileOrBytes === 'string' ? fs.readFileSync(fileOrBytes) : Buffer.from(fileOrBytes);
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

export { rgbaToPng as encodePng } from '../../src/display/png.js';

export function copyImage(img: RgbaImage): RgbaImage {
  return { width: img.width, height: img.height, data: img.data.slice(0, img.width * img.height * 4) };
}

/** Does r overlap s (both non-empty)? */
export function intersects(r: Rect, s: Rect): boolean {
  return r.x < s.x + s.w && s.x < r.x + r.w && r.y < s.y + s.h && s.y < r.y + r.h;
}

/** Fill a rectangle (clipped to the image) with one colour; for doctoring needles in tests. */
export function fillRect(img: RgbaImage, r: Rect, rgb: number): void {
  for (let y = Math.max(0, r.y); y < Math.min(img.height, r.y + r.h); y++) {
    for (let x = Math.max(0, r.x); x < Math.min(img.width, r.x + r.w); x++) {
      const o = (y * img.width + x) * 4;
      img.data[o] = (rgb >>> 16) & 255;
      img.data[o + 1] = (rgb >>> 8) & 255;
      img.data[o + 2] = rgb & 255;
      img.data[o + 3] = 255;
    }
  }
}

/** Draw a 1-pixel rectangle outline (clipped). */
export function outlineRect(img: RgbaImage, r: Rect, rgb: number): void {
  fillRect(img, { x: r.x, y: r.y, w: r.w, h: 1 }, rgb);
  fillRect(img, { x: r.x, y: r.y + r.h - 1, w: r.w, h: 1 }, rgb);
  fillRect(img, { x: r.x, y: r.y, w: 1, h: r.h }, rgb);
  fillRect(img, { x: r.x + r.w - 1, y: r.y, w: 1, h: r.h }, rgb);
}
