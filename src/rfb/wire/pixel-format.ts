// RFB PIXEL_FORMAT (RFC 6143 §7.4): parse, validate, serialize, and translate surface pixels into it.
import { ByteReader } from './byte-queue.js';
import { ByteWriter } from './byte-writer.js';
import { RfbProtocolError } from '../errors.js';

export interface PixelFormat {
  bitsPerPixel: 8 | 16 | 32;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/**
 * The surface's own format: one little-endian u32 per pixel, 0x00RRGGBB (bytes B, G, R, X),
 * as a 32 bpp VBE linear framebuffer holds it.
 */
export const NATIVE_FORMAT: Readonly<PixelFormat> = Object.freeze({
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
});

/** Read the 16-byte PIXEL_FORMAT structure (no validation). */
export function readPixelFormat(r: ByteReader): PixelFormat {
  const bitsPerPixel = r.u8() as PixelFormat['bitsPerPixel'];
  const depth = r.u8();
  const bigEndian = r.u8() !== 0;
  const trueColour = r.u8() !== 0;
  const redMax = r.u16();
  const greenMax = r.u16();
  const blueMax = r.u16();
  const redShift = r.u8();
  const greenShift = r.u8();
  const blueShift = r.u8();
  r.skip(3); // padding
  return { bitsPerPixel, depth, bigEndian, trueColour, redMax, greenMax, blueMax, redShift, greenShift, blueShift };
}

export function writePixelFormat(w: ByteWriter, pf: PixelFormat): ByteWriter {
  return w
    .u8(pf.bitsPerPixel)
    .u8(pf.depth)
    .u8(pf.bigEndian ? 1 : 0)
    .u8(pf.trueColour ? 1 : 0)
    .u16(pf.redMax)
    .u16(pf.greenMax)
    .u16(pf.blueMax)
    .u8(pf.redShift)
    .u8(pf.greenShift)
    .u8(pf.blueShift)
    .pad(3);
}

function bitsOf(max: number): number {
  let n = 0;
  while (max >>> n) n++;
  return n;
}

/** Reject formats we cannot honour, with the reason (ws getInfo-style strict validation). */
export function validatePixelFormat(pf: PixelFormat): void {
  const bad = (why: string): never => {
    throw new RfbProtocolError('RFB_ERR_BAD_PIXEL_FORMAT', `bad pixel format: ${why}`);
  };
  if (pf.bitsPerPixel !== 8 && pf.bitsPerPixel !== 16 && pf.bitsPerPixel !== 32) bad(`bits-per-pixel ${pf.bitsPerPixel} (must be 8, 16 or 32)`);
  if (pf.depth === 0 || pf.depth > pf.bitsPerPixel) bad(`depth ${pf.depth} with bits-per-pixel ${pf.bitsPerPixel}`);
  if (!pf.trueColour) {
    if (pf.bitsPerPixel !== 8) bad('colour-map mode is only supported at 8 bits-per-pixel');
    return;
  }
  const comps: [string, number, number][] = [
    ['red', pf.redMax, pf.redShift],
    ['green', pf.greenMax, pf.greenShift],
    ['blue', pf.blueMax, pf.blueShift],
  ];
  let used = 0;
  for (const [name, max, shift] of comps) {
    if (max === 0) bad(`${name}-max is 0`);
    const bits = bitsOf(max);
    if (shift + bits > pf.bitsPerPixel) bad(`${name}-max ${max} at ${name}-shift ${shift} does not fit in ${pf.bitsPerPixel} bits`);
    const mask = max * 2 ** shift;
    if ((used & mask) !== 0) bad(`${name} overlaps another component`);
    used |= mask;
  }
}

/** A short stable key for a pixel format (to share encoded bytes between clients). */
export function pixelFormatKey(pf: PixelFormat): string {
  return [pf.bitsPerPixel, pf.depth, pf.bigEndian && pf.bitsPerPixel > 8 ? 1 : 0, pf.trueColour ? 1 : 0, pf.redMax, pf.greenMax, pf.blueMax, pf.redShift, pf.greenShift, pf.blueShift].join('.');
}

/** Map an 8-bit component to 0..max: a plain shift when max is 2^n-1 (as QEMU and TigerVNC do). */
function componentTable(max: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let c = 0; c < 256; c++) t[c] = Math.floor((c * (max + 1)) / 256);
  return t;
}

/**
 * Converts native 0x00RRGGBB pixels to a client's format. Colour-map formats get an index
 * from `colourMap` (a function from rgb to index, set by the session from the guest palette).
 */
export class PixelTranslator {
  readonly bytesPerPixel: number;
  readonly identity: boolean;
  #r: Uint32Array;
  #g: Uint32Array;
  #b: Uint32Array;

  constructor(readonly pf: PixelFormat, readonly colourMap?: (rgb: number) => number) {
    this.bytesPerPixel = pf.bitsPerPixel >> 3;
    this.identity =
      pf.trueColour && pf.bitsPerPixel === 32 && !pf.bigEndian &&
      pf.redMax === 255 && pf.greenMax === 255 && pf.blueMax === 255 &&
      pf.redShift === 16 && pf.greenShift === 8 && pf.blueShift === 0;
    this.#r = componentTable(pf.redMax).map((v) => v * 2 ** pf.redShift);
    this.#g = componentTable(pf.greenMax).map((v) => v * 2 ** pf.greenShift);
    this.#b = componentTable(pf.blueMax).map((v) => v * 2 ** pf.blueShift);
  }

  /** The client pixel value for a native pixel. */
  pixel(rgb: number): number {
    if (!this.pf.trueColour) return this.colourMap ? this.colourMap(rgb & 0xffffff) : 0;
    return (this.#r[(rgb >>> 16) & 0xff]! | this.#g[(rgb >>> 8) & 0xff]! | this.#b[rgb & 0xff]!) >>> 0;
  }

  /** Write one client pixel value at out[at] in the client's byte order. */
  put(out: Uint8Array, at: number, v: number): void {
    switch (this.bytesPerPixel) {
      case 1:
        out[at] = v;
        break;
      case 2:
        if (this.pf.bigEndian) {
          out[at] = v >>> 8;
          out[at + 1] = v;
        } else {
          out[at] = v;
          out[at + 1] = v >>> 8;
        }
        break;
      default:
        if (this.pf.bigEndian) {
          out[at] = v >>> 24;
          out[at + 1] = v >>> 16;
          out[at + 2] = v >>> 8;
          out[at + 3] = v;
        } else {
          out[at] = v;
          out[at + 1] = v >>> 8;
          out[at + 2] = v >>> 16;
          out[at + 3] = v >>> 24;
        }
    }
  }

  /**
   * Translate a w x h block of native pixels (src, starting at index `srcIndex`, `srcStride`
   * pixels per row) into out at byte offset `at`, rows packed. Returns the bytes written.
   */
  translateRect(src: Uint32Array, srcIndex: number, srcStride: number, w: number, h: number, out: Uint8Array, at: number): number {
    const bpp = this.bytesPerPixel;
    if (this.identity) {
      const srcBytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
      for (let y = 0; y < h; y++) {
        const s = (srcIndex + y * srcStride) * 4;
        out.set(srcBytes.subarray(s, s + w * 4), at + y * w * 4);
      }
      return w * h * 4;
    }
    if (this.pf.trueColour) return this.#translateTrueColour(src, srcIndex, srcStride, w, h, out, at);
    let o = at;
    for (let y = 0; y < h; y++) {
      let s = srcIndex + y * srcStride;
      for (let x = 0; x < w; x++) {
        this.put(out, o, this.pixel(src[s++]!));
        o += bpp;
      }
    }
    return o - at;
  }

  /** translateRect for true-colour formats: the table lookups and byte order inlined, one loop per size. */
  #translateTrueColour(src: Uint32Array, srcIndex: number, srcStride: number, w: number, h: number, out: Uint8Array, at: number): number {
    const r = this.#r;
    const g = this.#g;
    const b = this.#b;
    const big = this.pf.bigEndian;
    const bpp = this.bytesPerPixel;
    let o = at;
    for (let y = 0; y < h; y++) {
      let s = srcIndex + y * srcStride;
      const end = s + w;
      if (bpp === 4) {
        for (; s < end; s++, o += 4) {
          const p = src[s]!;
          const v = r[(p >>> 16) & 0xff]! | g[(p >>> 8) & 0xff]! | b[p & 0xff]!;
          if (big) {
            out[o] = v >>> 24;
            out[o + 1] = v >>> 16;
            out[o + 2] = v >>> 8;
            out[o + 3] = v;
          } else {
            out[o] = v;
            out[o + 1] = v >>> 8;
            out[o + 2] = v >>> 16;
            out[o + 3] = v >>> 24;
          }
        }
      } else if (bpp === 2) {
        for (; s < end; s++, o += 2) {
          const p = src[s]!;
          const v = r[(p >>> 16) & 0xff]! | g[(p >>> 8) & 0xff]! | b[p & 0xff]!;
          out[o] = big ? v >>> 8 : v;
          out[o + 1] = big ? v : v >>> 8;
        }
      } else {
        for (; s < end; s++, o++) {
          const p = src[s]!;
          out[o] = r[(p >>> 16) & 0xff]! | g[(p >>> 8) & 0xff]! | b[p & 0xff]!;
        }
      }
    }
    return o - at;
  }
}
