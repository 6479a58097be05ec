// Decoder helpers: a reader over the bytes received so far that throws NeedMore at the end (so a
// decoder can try, and consume nothing until the whole rectangle is there), pixel readers, and the inflater of length-prefixed zlib bodies.
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import { InflateStream } from '../../../src/rfb/wire/zlib-stream.js';
import type { PixelFormat } from '../../../src/rfb/wire/pixel-format.js';
import type { ClientFramebuffer } from '../framebuffer.js';

export class NeedMore extends Error {}

export class PeekReader {
  off = 0;
  constructor(readonly buf: Uint8Array) {}
  need(n: number): void {
    if (this.off + n > this.buf.length) throw new NeedMore();
  }
  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.buf[this.off]! << 8) | this.buf[this.off + 1]!;
    this.off += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const o = this.off;
    this.off += 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
  /** Tight's compact length (1-3 bytes). */
  compactLength(): number {
    let b = this.u8();
    let n = b & 0x7f;
    if (b & 0x80) {
      b = this.u8();
      n |= (b & 0x7f) << 7;
      if (b & 0x80) n |= this.u8() << 14;
    }
    return n;
  }
}

/** Reads one pixel value in some wire form. */
export interface PixelReader {
  size: number;
  read(buf: Uint8Array, o: number): number;
}

export function pixelReader(fb: ClientFramebuffer): PixelReader {
  return { size: fb.bytesPerPixel, read: (b, o) => fb.readPixel(b, o) };
}

/** ZRLE CPIXEL (see src/rfb/encodings/pixels.ts cpixelPacker for the rule). */
export function cpixelReader(fb: ClientFramebuffer): PixelReader {
  const pf = fb.pf;
  if (pf.trueColour && pf.bitsPerPixel === 32 && pf.depth <= 24) {
    const mask = (pf.redMax * 2 ** pf.redShift + pf.greenMax * 2 ** pf.greenShift + pf.blueMax * 2 ** pf.blueShift) >>> 0;
    if (mask <= 0xffffff) {
      return pf.bigEndian
        ? { size: 3, read: (b, o) => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]! }
        : { size: 3, read: (b, o) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) };
    }
    if ((mask & 0xff) === 0) {
      return pf.bigEndian
        ? { size: 3, read: (b, o) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8)) >>> 0 }
        : { size: 3, read: (b, o) => ((b[o]! << 8) | (b[o + 1]! << 16) | (b[o + 2]! << 24)) >>> 0 };
    }
  }
  return pixelReader(fb);
}

export function isTight888(pf: PixelFormat): boolean {
  return pf.trueColour && pf.bitsPerPixel === 32 && pf.depth === 24 && pf.redMax === 255 && pf.greenMax === 255 && pf.blueMax === 255;
}

/** Tight TPIXEL: R, G, B for 888 formats, else a PIXEL. */
export function tpixelReader(fb: ClientFramebuffer): PixelReader {
  const pf = fb.pf;
  if (isTight888(pf)) {
    return { size: 3, read: (b, o) => ((b[o]! * 2 ** pf.redShift) + (b[o + 1]! * 2 ** pf.greenShift) + (b[o + 2]! * 2 ** pf.blueShift)) >>> 0 };
  }
  return pixelReader(fb);
}

/** Put w x h pixel values (already decoded) at x, y. */
export function putValues(fb: ClientFramebuffer, x: number, y: number, w: number, h: number, v: ArrayLike<number>): void {
  const rgba = fb.rgba;
  let i = 0;
  for (let yy = y; yy < y + h; yy++) {
    let o = (yy * fb.width + x) * 4;
    for (let xx = 0; xx < w; xx++, o += 4) {
      const rgb = fb.toRgb(v[i++]!);
      rgba[o] = (rgb >>> 16) & 255;
      rgba[o + 1] = (rgb >>> 8) & 255;
      rgba[o + 2] = rgb & 255;
    }
  }
}

/** Put w x h RGB(A) bytes (JPEG, PNG output) at x, y. */
export function putRgba(fb: ClientFramebuffer, x: number, y: number, w: number, h: number, src: Uint8Array, srcBpp = 4): void {
  const rgba = fb.rgba;
  let s = 0;
  for (let yy = y; yy < y + h; yy++) {
    let o = (yy * fb.width + x) * 4;
    for (let xx = 0; xx < w; xx++, o += 4, s += srcBpp) {
      rgba[o] = src[s]!;
      rgba[o + 1] = src[s + 1]!;
      rgba[o + 2] = src[s + 2]!;
    }
  }
}

/** The connection-long inflater of a length-prefixed zlib body (Zlib and ZRLE: u32 length, then data). */
export class LengthPrefixedInflater {
  #z: InflateStream | null = null;

  /** The next body, inflated; null, consuming nothing, while it is not all there. */
  take(q: ByteQueue): Buffer | null {
    if (q.length < 4) return null;
    const len = q.peek(4).readUInt32BE(0);
    if (q.length < 4 + len) return null;
    return (this.#z ??= new InflateStream()).inflate(q.consume(4 + len).subarray(4));
  }

  reset(): void {
    this.#z?.close();
    this.#z = null;
  }
}
