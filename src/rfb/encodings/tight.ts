// Tight (rfbproto "Tight Encoding", 7): per rectangle a fill, a JPEG (when the client sent a
// QualityLevel and the rectangle is photo-like), or basic compression with the copy, palette
// (mono or indexed) or gradient filter through one of four zlib streams kept per client.
import type { Rect, Surface } from '../../display/surface.js';
import { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import { DEFAULT_ENCODE_PARAMS, type EncodeParams, type Encoder } from './encoder.js';
import { EncodingType, TIGHT_MIN_TO_COMPRESS, TightControl, TightFilter } from '../wire/encodings.js';
import { ColourIndex } from './colour-index.js';
import { clientPixels, isTpixel888, tpixelPacker, writePacked } from './pixels.js';
import {
  encodeJpeg,
  isPhotoLike,
  JPEG_QUALITY,
  smoothness,
  TIGHT_MAX_AREA,
  TIGHT_MAX_WIDTH,
  tightSplit,
  writeCompactLength,
} from './tight-common.js';
import { DeflateStream, type ParallelDeflate } from '../wire/zlib-stream.js';
import { SOLID_MIN_AREA, solidAreas } from './solid-areas.js';
import { splitRect } from './split.js';

/** Which of the four zlib streams each kind of data goes through. */
export const TightStream = { Full: 0, Mono: 1, Indexed: 2, Gradient: 3 } as const;

/** zlib level per CompressLevel (TigerVNC-like: low levels fast). */
function tightZlibLevel(c: number | null): number {
  return c === null ? 2 : [1, 1, 2, 3, 4, 5, 6, 7, 8, 9][Math.max(0, Math.min(9, c))]!;
}

export class TightEncoder implements Encoder {
  readonly type: number = EncodingType.Tight;
  readonly stateful = true;
  readonly maxWidth = TIGHT_MAX_WIDTH;
  readonly maxArea = TIGHT_MAX_AREA;
  /** Rectangles by kind (for stats and tests). */
  readonly counters = { fill: 0, jpeg: 0, mono: 0, indexed: 0, gradient: 0, full: 0 };
  #streams: (DeflateStream | null)[] = [null, null, null, null];
  #resetBits = 0;
  #params: EncodeParams = DEFAULT_ENCODE_PARAMS;
  #level = tightZlibLevel(null);
  #lastStream = -1;
  #lastResetBits = 0;
  #data = new ByteWriter(64 * 1024);
  #px: Uint32Array = new Uint32Array(0);

  /** The server's deflate threads for large rectangles (null: this thread only). */
  constructor(readonly deflate: ParallelDeflate | null = null) {}

  configure(p: EncodeParams): void {
    this.#params = p;
    const level = tightZlibLevel(p.compressLevel);
    if (level !== this.#level) {
      // a new level needs new streams; the client resets its inflaters on our control bits
      this.#level = level;
      this.#dropStreams();
    }
  }

  variantKey(): string {
    return `${this.#params.qualityLevel}`;
  }

  #dropStreams(): void {
    for (let i = 0; i < 4; i++) {
      const s = this.#streams[i];
      if (s) {
        s.close();
        this.#streams[i] = null;
        this.#resetBits |= 1 << i;
      }
    }
  }

  split(r: Rect, fb: Surface, tr: PixelTranslator): Rect[] {
    const jpeg = this.#params.qualityLevel !== null && isTpixel888(tr.pf);
    if (r.w * r.h < 4 * SOLID_MIN_AREA) return tightSplit(r, fb, jpeg);
    // large one-colour areas go as fills, the rest in pieces with fewer colours
    const { solid, rest } = solidAreas(r, fb);
    if (solid.length === 0) return tightSplit(r, fb, jpeg);
    const out: Rect[] = [];
    for (const s of solid) out.push(...splitRect(s, TIGHT_MAX_WIDTH, TIGHT_MAX_AREA));
    for (const p of rest) out.push(...tightSplit(p, fb, jpeg));
    return out;
  }

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    this.#lastStream = -1;
    this.#lastResetBits = 0;
    const n = r.w * r.h;
    // the client's pixel values: the surface itself when its format is the client's, else translated
    let src = fb.data;
    let base = r.y * fb.width + r.x;
    let stride = fb.width;
    if (!tr.identity) {
      if (this.#px.length < n) this.#px = new Uint32Array(n);
      src = clientPixels(r, fb, tr, this.#px);
      base = 0;
      stride = r.w;
    }
    const tp = tpixelPacker(tr);
    const colours = countColours(src, base, stride, r.w, r.h, tightPalette);
    if (colours === 1) {
      this.counters.fill++;
      out.u8(TightControl.Fill | this.#takeResetBits());
      writePacked(out, tp, src[base]!);
      return;
    }
    const q = this.#params.qualityLevel;
    const is888 = isTpixel888(tr.pf);
    if (q !== null && is888 && isPhotoLike(r, fb, colours)) {
      const jpg = encodeJpeg(r, fb, JPEG_QUALITY[q]!);
      this.counters.jpeg++;
      out.u8(TightControl.Jpeg | this.#takeResetBits());
      writeCompactLength(out, jpg.length);
      out.bytes(jpg);
      return;
    }
    const data = this.#data;
    data.reset();
    if (colours !== null && (colours === 2 || tr.bytesPerPixel > 1)) {
      const stream = colours === 2 ? TightStream.Mono : TightStream.Indexed;
      if (colours === 2) this.counters.mono++;
      else this.counters.indexed++;
      out.u8(TightControl.ExplicitFilter | (stream << 4) | this.#takeResetBits());
      out.u8(TightFilter.Palette).u8(colours - 1); // filter-id, number-of-colours - 1
      for (let k = 0; k < colours; k++) writePacked(out, tp, tightPalette.colours[k]!);
      if (colours === 2) monoBits(src, base, stride, r.w, r.h, tightPalette.colours[1]!, data);
      else indices(src, base, stride, r.w, r.h, tightPalette, data);
      this.#writeData(out, stream);
      return;
    }
    if (is888 && this.#params.tightGradient && n >= 64 && smoothness(r, fb) < 24) {
      this.counters.gradient++;
      out.u8(TightControl.ExplicitFilter | (TightStream.Gradient << 4) | this.#takeResetBits());
      out.u8(TightFilter.Gradient);
      // the filter wants packed rows: the surface's pixels are copied out only here
      const px = tr.identity ? clientPixels(r, fb, tr, this.#px.length >= n ? this.#px : (this.#px = new Uint32Array(n))) : src;
      gradient888(px, r.w, r.h, tr, data);
      this.#writeData(out, TightStream.Gradient);
      return;
    }
    this.counters.full++;
    out.u8((TightStream.Full << 4) | this.#takeResetBits()); // basic, copy filter implied
    const at = data.reserve(n * tp.size);
    const b = data.raw;
    if (is888) {
      const { redShift: rs, greenShift: gs, blueShift: bs } = tr.pf;
      for (let y = 0, o = at; y < r.h; y++) {
        for (let i = base + y * stride, end = i + r.w; i < end; i++, o += 3) {
          const v = src[i]!;
          b[o] = v >>> rs;
          b[o + 1] = v >>> gs;
          b[o + 2] = v >>> bs;
        }
      }
    } else {
      for (let y = 0, o = at; y < r.h; y++) {
        for (let i = base + y * stride, end = i + r.w; i < end; i++, o += tp.size) tp.write(b, o, src[i]!);
      }
    }
    this.#writeData(out, TightStream.Full);
  }

  #takeResetBits(): number {
    const b = this.#resetBits;
    this.#resetBits = 0;
    this.#lastResetBits = b;
    return b;
  }

  /** Data under 12 bytes goes as it is; the rest as compact length + zlib stream output. */
  #writeData(out: ByteWriter, stream: number): void {
    const d = this.#data.view();
    if (d.length < TIGHT_MIN_TO_COMPRESS) {
      out.bytes(d);
      return;
    }
    const s = (this.#streams[stream] ??= new DeflateStream(this.#level, undefined, this.deflate));
    const z = s.compress(d);
    writeCompactLength(out, z.length);
    out.bytes(z);
    this.#lastStream = stream;
  }

  canShare(): boolean {
    return this.#resetBits === 0;
  }

  lastWasStateless(): boolean {
    return this.#lastStream === -1 && this.#lastResetBits === 0;
  }

  withdraw(): void {
    if (this.#lastStream >= 0) this.#streams[this.#lastStream]!.withdraw();
    this.#lastStream = -1;
    this.#resetBits |= this.#lastResetBits; // the client never saw them
    this.#lastResetBits = 0;
  }

  reset(): void {
    for (const s of this.#streams) s?.close();
    this.#streams = [null, null, null, null];
    this.#resetBits = 0;
  }
}

/**
 * The gradient filter for 888 TPIXELs: each component minus the prediction L + U - UL (clamped
 * to 0..255, outside the rectangle 0), modulo 256, in R, G, B order.
 */
export function gradient888(px: Uint32Array, w: number, h: number, tr: PixelTranslator, out: ByteWriter): void {
  const { redShift: rs, greenShift: gs, blueShift: bs } = tr.pf;
  let o = out.reserve(w * h * 3);
  const b = out.raw;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let l = 0; // left and upper-left neighbours: 0 outside the rectangle
    let ul = 0;
    for (let x = 0; x < w; x++) {
      const v = px[row + x]!;
      const u = y > 0 ? px[row + x - w]! : 0;
      let p = ((l >>> rs) & 255) + ((u >>> rs) & 255) - ((ul >>> rs) & 255);
      b[o] = (((v >>> rs) & 255) - (p < 0 ? 0 : p > 255 ? 255 : p)) & 255;
      p = ((l >>> gs) & 255) + ((u >>> gs) & 255) - ((ul >>> gs) & 255);
      b[o + 1] = (((v >>> gs) & 255) - (p < 0 ? 0 : p > 255 ? 255 : p)) & 255;
      p = ((l >>> bs) & 255) + ((u >>> bs) & 255) - ((ul >>> bs) & 255);
      b[o + 2] = (((v >>> bs) & 255) - (p < 0 ? 0 : p > 255 ? 255 : p)) & 255;
      o += 3;
      l = v;
      ul = u;
    }
  }
}

/** A rectangle's palette for Tight (up to 256 colours), reused for every rectangle. */
const tightPalette = new ColourIndex(256);

/**
 * The number of distinct values of a w x h block of src (rows `stride` apart from `base`) into
 * pal, in order of first appearance; 1 as soon as the block proves solid; null past pal's limit
 * (it stops there). Hashes once per run of equal pixels.
 */
export function countColours(src: Uint32Array, base: number, stride: number, w: number, h: number, pal: ColourIndex): number | null {
  pal.clear();
  let prev = src[base]!;
  pal.add(prev);
  for (let y = 0; y < h; y++) {
    const row = base + y * stride;
    for (let x = 0; x < w; x++) {
      const v = src[row + x]!;
      if (v === prev) continue;
      prev = v;
      if (!pal.add(v)) return null;
    }
  }
  return pal.size;
}

/** Tight's mono data: 1 bit per pixel (1 = `one`), rows padded to a byte, leftmost pixel in bit 7. */
function monoBits(src: Uint32Array, base: number, stride: number, w: number, h: number, one: number, out: ByteWriter): void {
  const rowBytes = (w + 7) >> 3;
  let o = out.reserve(rowBytes * h);
  const b = out.raw;
  for (let y = 0; y < h; y++) {
    const row = base + y * stride;
    let acc = 0;
    let nb = 0;
    for (let x = 0; x < w; x++) {
      acc = (acc << 1) | (src[row + x] === one ? 1 : 0);
      if (++nb === 8) {
        b[o++] = acc;
        acc = 0;
        nb = 0;
      }
    }
    if (nb > 0) b[o++] = acc << (8 - nb);
  }
}

/** Tight's indexed data: one palette index byte per pixel. */
function indices(src: Uint32Array, base: number, stride: number, w: number, h: number, pal: ColourIndex, out: ByteWriter): void {
  let o = out.reserve(w * h);
  const b = out.raw;
  let lastV = pal.colours[0]!;
  let lastI = 0;
  for (let y = 0; y < h; y++) {
    const row = base + y * stride;
    for (let x = 0; x < w; x++) {
      const v = src[row + x]!;
      if (v !== lastV) {
        lastV = v;
        lastI = pal.indexOf(v);
      }
      b[o++] = lastI;
    }
  }
}
