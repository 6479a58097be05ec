// ZRLE (RFC 6143 §7.7.6): 64x64 tiles, each raw, solid, packed-palette, plain RLE or palette RLE
// in CPIXELs, all through one zlib stream kept for the session (u32 length + data per rectangle).
import type { Rect, Surface } from '../../display/surface.js';
import { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import type { EncodeParams, Encoder } from './encoder.js';
import { EncodingType } from '../wire/encodings.js';
import { ColourIndex } from './colour-index.js';
import { clientPixels, cpixelPacker, type Packer } from './pixels.js';
import { zlibLevel } from './zlib.js';
import { DeflateStream, type ParallelDeflate } from '../wire/zlib-stream.js';

export const ZRLE_TILE = 64;

const pal = new ColourIndex(127); // palette RLE holds at most 127 colours

/** CPIXEL writers: kind 0 = the 3 low bytes, little-endian (as for the native format), else the packer. */
function cpixelKind(cp: Packer, tr: PixelTranslator): number {
  const pf = tr.pf;
  const mask = pf.redMax * 2 ** pf.redShift + pf.greenMax * 2 ** pf.greenShift + pf.blueMax * 2 ** pf.blueShift;
  return cp.size === 3 && !pf.bigEndian && mask <= 0xffffff ? 0 : 1;
}

/**
 * Encode one tile into out, choosing the smallest subencoding (exact sizes: raw, solid, packed
 * palette, plain RLE, palette RLE; LibVNCServer estimates them). The tile is w x h pixels of
 * client pixel values at src[base + y * stride + x]. One pass finds a solid tile (stopping at the
 * first other pixel), one more counts runs and the palette (hashing once per run, giving up the
 * palette past 127 colours); the chosen form is written straight into out's buffer.
 */
export function encodeTile(src: Uint32Array, base: number, stride: number, w: number, h: number, cp: Packer, kind: number, out: ByteWriter): void {
  const cs = cp.size;
  const v0 = src[base]!;
  let solid = true;
  for (let y = 0; y < h && solid; y++) {
    const row = base + y * stride;
    for (let x = 0; x < w; x++) {
      if (src[row + x] !== v0) {
        solid = false;
        break;
      }
    }
  }
  const at0 = out.reserve(1 + w * h * cs); // the chosen form is never larger than raw + 1
  const b = out.raw;
  let o = at0;
  if (solid) {
    b[o++] = 1;
    o = putC(b, o, v0, cp, kind);
    out.truncate(o);
    return;
  }
  // runs (in pixel order, across rows) and the palette, hashed once per run
  pal.clear();
  let palOk = true;
  let runs = 0;
  let runBytes = 0; // plain RLE's run-length bytes
  let palRunBytes = 0;
  let prev = v0;
  let len = 0;
  // the colours of the last two runs closed (-1: none; pixel values are unsigned): text alternates
  // two colours, so a run's colour is most often the one two runs back, already in the palette
  let c1 = -1;
  let c2 = -1;
  for (let y = 0; y < h; y++) {
    const row = base + y * stride;
    for (let x = 0; x < w; x++) {
      const v = src[row + x]!;
      if (v === prev) {
        len++;
        continue;
      }
      runs++;
      if (len === 1) {
        runBytes++;
        palRunBytes++;
      } else {
        const lb = ((len - 1) / 255 + 1) | 0;
        runBytes += lb;
        palRunBytes += 1 + lb;
      }
      if (palOk && prev !== c2) palOk = pal.add(prev);
      c2 = c1;
      c1 = prev;
      prev = v;
      len = 1;
    }
  }
  runs++;
  if (len === 1) {
    runBytes++;
    palRunBytes++;
  } else {
    const lb = ((len - 1) / 255 + 1) | 0;
    runBytes += lb;
    palRunBytes += 1 + lb;
  }
  if (palOk && prev !== c2) palOk = pal.add(prev);
  const n = palOk ? pal.size : 128;
  const rawSize = w * h * cs;
  const plainRle = runs * cs + runBytes;
  const palRle = palOk ? n * cs + palRunBytes : Infinity;
  const bits = n <= 2 ? 1 : n <= 4 ? 2 : n <= 16 ? 4 : 0;
  const packed = bits ? n * cs + h * ((w * bits + 7) >> 3) : Infinity;
  const best = Math.min(rawSize, plainRle, palRle, packed);
  if (best === rawSize) {
    b[o++] = 0;
    for (let y = 0; y < h; y++) {
      const row = base + y * stride;
      for (let x = 0; x < w; x++) o = putC(b, o, src[row + x]!, cp, kind);
    }
  } else if (best === packed) {
    b[o++] = n;
    for (let k = 0; k < n; k++) o = putC(b, o, pal.colours[k]!, cp, kind);
    let lastV = pal.colours[0]!;
    let lastI = 0;
    let otherV = lastV; // the colour before: two-colour text looks each up once
    let otherI = 0;
    for (let y = 0; y < h; y++) {
      const row = base + y * stride;
      let acc = 0;
      let nb = 0;
      for (let x = 0; x < w; x++) {
        const v = src[row + x]!;
        if (v !== lastV) {
          const i = v === otherV ? otherI : pal.indexOf(v);
          otherV = lastV;
          otherI = lastI;
          lastV = v;
          lastI = i;
        }
        acc = (acc << bits) | lastI;
        nb += bits;
        if (nb === 8) {
          b[o++] = acc;
          acc = 0;
          nb = 0;
        }
      }
      if (nb > 0) b[o++] = acc << (8 - nb);
    }
  } else {
    const usePal = best === palRle;
    b[o++] = usePal ? 128 + n : 128;
    if (usePal) for (let k = 0; k < n; k++) o = putC(b, o, pal.colours[k]!, cp, kind);
    prev = v0;
    len = 0;
    for (let y = 0; y <= h; y++) {
      const row = base + y * stride;
      for (let x = 0; x < w; x++) {
        // one past the last row: a sentinel that closes the last run
        const last = y === h;
        const v = last ? ~prev >>> 0 : src[row + x]!;
        if (v === prev) {
          len++;
          continue;
        }
        if (usePal) {
          const idx = pal.indexOf(prev);
          if (len === 1) b[o++] = idx;
          else {
            b[o++] = idx | 128;
            o = putRunLength(b, o, len);
          }
        } else {
          o = putC(b, o, prev, cp, kind);
          o = putRunLength(b, o, len);
        }
        if (last) break;
        prev = v;
        len = 1;
      }
    }
  }
  out.truncate(o);
}

/** One CPIXEL at b[o]; returns the offset after it. */
function putC(b: Uint8Array, o: number, v: number, cp: Packer, kind: number): number {
  if (kind === 0) {
    b[o] = v;
    b[o + 1] = v >>> 8;
    b[o + 2] = v >>> 16;
    return o + 3;
  }
  cp.write(b, o, v);
  return o + cp.size;
}

/** Run length - 1 as 255s and a final byte < 255. */
function putRunLength(b: Uint8Array, o: number, len: number): number {
  let n = len - 1;
  while (n >= 255) {
    b[o++] = 255;
    n -= 255;
  }
  b[o++] = n;
  return o;
}

/** Encode one tile of packed client pixel values (t: w x h, rows packed). */
export function encodeZrleTile(t: Uint32Array, w: number, h: number, cp: Packer, out: ByteWriter): void {
  encodeTile(t, 0, w, w, h, cp, 1, out);
}

export class ZrleEncoder implements Encoder {
  readonly type = EncodingType.ZRLE;
  readonly stateful = true;
  #stream: DeflateStream | null = null;
  #level = zlibLevel(null);
  #w = new ByteWriter(64 * 1024);
  #tile = new Uint32Array(ZRLE_TILE * ZRLE_TILE);

  /** The server's deflate threads for large rectangles (null: this thread only). */
  constructor(readonly deflate: ParallelDeflate | null = null) {}

  configure(p: EncodeParams): void {
    if (!this.#stream) this.#level = zlibLevel(p.compressLevel);
  }

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    const cp = cpixelPacker(tr);
    const kind = cpixelKind(cp, tr);
    const w = this.#w;
    w.reset();
    const tile = this.#tile;
    for (let ty = 0; ty < r.h; ty += ZRLE_TILE) {
      const th = Math.min(ZRLE_TILE, r.h - ty);
      for (let tx = 0; tx < r.w; tx += ZRLE_TILE) {
        const tw = Math.min(ZRLE_TILE, r.w - tx);
        const at = (r.y + ty) * fb.width + r.x + tx;
        if (tr.identity) {
          // the surface's pixels are the client's: read them where they are
          encodeTile(fb.data, at, fb.width, tw, th, cp, kind, w);
        } else {
          encodeTile(clientPixels({ x: r.x + tx, y: r.y + ty, w: tw, h: th }, fb, tr, tile), 0, tw, tw, th, cp, kind, w);
        }
      }
    }
    this.#stream ??= new DeflateStream(this.#level, undefined, this.deflate);
    const z = this.#stream.compress(w.view());
    out.u32(z.length).bytes(z); // length, zlibData
  }

  withdraw(): void {
    this.#stream?.withdraw();
  }

  reset(): void {
    this.#stream?.close();
    this.#stream = null;
  }
}
