// ZRLE (RFC 6143 §7.7.6): 64x64 tiles, each raw, solid, packed-palette, plain RLE or palette RLE
// in CPIXELs, all through one zlib stream kept for the session (u32 length + data per rectangle).
import type { Rect, Surface } from '../../display/surface.js';
import { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import type { EncodeParams, Encoder } from './encoder.js';
import { EncodingType } from '../wire/encodings.js';
import { ColourIndex } from './colour-index.js';
import { Runs, writePackedRuns } from './runs.js';
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

// One tile's runs, found by the analysis pass; the RLE and packed forms are written from them.
const TILE_PIXELS = ZRLE_TILE * ZRLE_TILE;
const tileRuns = new Runs(TILE_PIXELS);

/** Length bytes of a run in plain RLE: (len - 1) as 255s and a final byte < 255. */
const lengthBytes = (len: number) => (len <= 255 ? 1 : (((len - 1) / 255) | 0) + 1);

/**
 * Encode one tile into out, choosing the smallest subencoding (exact sizes: raw, solid, packed
 * palette, plain RLE, palette RLE; LibVNCServer estimates them). The tile is w x h pixels of
 * client pixel values at src[base + y * stride + x]. One pass over the pixels only finds the runs
 * (a tight loop); one over the runs sizes the forms and builds the palette (hashing once per run,
 * and not at all for a run of the colour two runs back: text alternates two colours; giving the
 * palette up past 127 colours); the chosen form is written straight into out's buffer, the RLE
 * and packed forms from the runs kept.
 */
export function encodeTile(src: Uint32Array, base: number, stride: number, w: number, h: number, cp: Packer, kind: number, out: ByteWriter): void {
  if (w * h > TILE_PIXELS) throw new RangeError(`a ZRLE tile holds at most ${TILE_PIXELS} pixels, not ${w}x${h}`);
  const cs = cp.size;
  const runColour = tileRuns.colour;
  const runLength = tileRuns.length;
  const runIndex = tileRuns.index;
  pal.clear();
  let palOk = true;
  let runs = 0;
  let runBytes = 0; // plain RLE's run-length bytes
  let palRunBytes = 0; // palette RLE's index and run-length bytes
  let prev = src[base]!;
  let start = 0; // where the open run started, in pixels from the tile's start
  // the colours (and indexes) of the last two runs closed (-1: none; pixel values are unsigned)
  let c1 = -1;
  let i1 = 0;
  let c2 = -1;
  let i2 = 0;
  // the pixel pass only closes runs (a tight loop); their sizes and palette in a pass over the runs
  for (let y = 0, rowStart = 0; y < h; y++, rowStart += w) {
    let i = base + y * stride;
    const end = i + w;
    const toTile = rowStart - i;
    for (; i < end; i++) {
      const v = src[i]!;
      if (v === prev) continue;
      runColour[runs] = prev;
      runLength[runs++] = i + toTile - start;
      start = i + toTile;
      prev = v;
    }
  }
  for (let r = 0; r < runs; r++) {
    const len = runLength[r]!;
    const c = runColour[r]!;
    if (len === 1) {
      runBytes++;
      palRunBytes++;
    } else {
      const lb = lengthBytes(len);
      runBytes += lb;
      palRunBytes += 1 + lb;
    }
    if (palOk) {
      const i = c === c2 ? i2 : pal.put(c);
      if (i < 0) palOk = false;
      runIndex[r] = i;
      c2 = c1;
      i2 = i1;
      c1 = c;
      i1 = i;
    }
  }
  const at0 = out.reserve(1 + w * h * cs); // the chosen form is never larger than raw + 1
  const b = out.raw;
  let o = at0;
  if (runs === 0) {
    b[o++] = 1; // solid
    o = putC(b, o, prev, cp, kind);
    out.truncate(o);
    return;
  }
  {
    const len = w * h - start;
    runColour[runs] = prev;
    runLength[runs] = len;
    if (len === 1) {
      runBytes++;
      palRunBytes++;
    } else {
      const lb = lengthBytes(len);
      runBytes += lb;
      palRunBytes += 1 + lb;
    }
    if (palOk) {
      const i = prev === c2 ? i2 : pal.put(prev);
      if (i < 0) palOk = false;
      runIndex[runs] = i;
    }
    runs++;
  }
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
    tileRuns.count = runs;
    o = writePackedRuns(tileRuns, b, o, w, bits);
  } else if (best === palRle) {
    b[o++] = 128 + n;
    for (let k = 0; k < n; k++) o = putC(b, o, pal.colours[k]!, cp, kind);
    for (let r = 0; r < runs; r++) {
      const len = runLength[r]!;
      if (len === 1) b[o++] = runIndex[r]!;
      else {
        b[o++] = runIndex[r]! | 128;
        o = putRunLength(b, o, len);
      }
    }
  } else {
    b[o++] = 128;
    for (let r = 0; r < runs; r++) {
      o = putC(b, o, runColour[r]!, cp, kind);
      o = putRunLength(b, o, runLength[r]!);
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
