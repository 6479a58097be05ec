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
import { zrleBandWasm } from './pixel-kernels.js';

export const ZRLE_TILE = 64;

const pal = new ColourIndex(127); // palette RLE holds at most 127 colours

/** CPIXEL writers: kind 0 = the 3 low bytes, little-endian (as for the native format), else the packer. */
function cpixelKind(cp: Packer, tr: PixelTranslator): number {
  const pf = tr.pf;
  const mask = pf.redMax * 2 ** pf.redShift + pf.greenMax * 2 ** pf.greenShift + pf.blueMax * 2 ** pf.blueShift;
  return cp.size === 3 && !pf.bigEndian && mask <= 0xffffff ? 0 : 1;
}

const TILE_PIXELS = ZRLE_TILE * ZRLE_TILE;

/** The runs of one band's tiles (tile k's from k * TILE_PIXELS), grown for wider bands. */
const band = {
  runs: new Runs(16 * TILE_PIXELS),
  /** per tile: runs so far, the open run's colour and start (pixels from the tile's start) */
  count: new Int32Array(16),
  prev: new Uint32Array(16),
  start: new Int32Array(16),
};

function bandFor(tiles: number): typeof band {
  if (band.count.length < tiles) {
    band.count = new Int32Array(tiles);
    band.prev = new Uint32Array(tiles);
    band.start = new Int32Array(tiles);
  }
  band.runs.ensure(tiles * TILE_PIXELS);
  return band;
}

/**
 * Encode a band of tiles into out, left to right: a block w pixels wide and h <= 64 high of client
 * pixel values at src[base + y * stride + x], cut into tiles `tileW` (64) pixels wide. The pixels are read
 * once, row by row across the band (sequential memory, which a frame not in the cache reads much
 * faster than 64 short pieces of rows per tile), closing each tile's runs; then each tile is
 * finished from its runs (encodeFromRuns).
 */
export function encodeBand(src: Uint32Array, base: number, stride: number, w: number, h: number, cp: Packer, kind: number, out: ByteWriter, tileW = ZRLE_TILE): void {
  if (tileW * h > TILE_PIXELS) throw new RangeError(`a ZRLE tile holds at most ${TILE_PIXELS} pixels, not ${tileW}x${h}`);
  const tiles = Math.ceil(w / tileW);
  const t = bandFor(tiles);
  const colour = t.runs.colour;
  const length = t.runs.length;
  const count = t.count;
  const prevs = t.prev;
  const starts = t.start;
  for (let k = 0; k < tiles; k++) {
    count[k] = 0;
    prevs[k] = src[base + k * tileW]!;
    starts[k] = 0;
  }
  const last = tiles - 1;
  const lastW = w - last * tileW;
  for (let y = 0; y < h; y++) {
    const row = base + y * stride;
    for (let k = 0; k < tiles; k++) {
      const tw = k === last ? lastW : tileW;
      const off = k * TILE_PIXELS;
      let n = count[k]!;
      let prev = prevs[k]!;
      let start = starts[k]!;
      let i = row + k * tileW;
      const end = i + tw;
      const toTile = y * tw - i; // i + toTile: the pixel's index in its tile
      for (; i < end; i++) {
        const v = src[i]!;
        if (v === prev) continue;
        colour[off + n] = prev;
        length[off + n++] = i + toTile - start;
        start = i + toTile;
        prev = v;
      }
      count[k] = n;
      prevs[k] = prev;
      starts[k] = start;
    }
  }
  for (let k = 0; k < tiles; k++) {
    const tw = k === last ? lastW : tileW;
    const off = k * TILE_PIXELS;
    let n = count[k]!;
    if (n > 0) {
      colour[off + n] = prevs[k]!; // the last run
      length[off + n++] = tw * h - starts[k]!;
    }
    encodeFromRuns(src, base + k * tileW, stride, tw, h, cp, kind, off, n, out);
  }
}

/** Encode one tile of w x h <= 4096 pixels: a band of one. */
export function encodeTile(src: Uint32Array, base: number, stride: number, w: number, h: number, cp: Packer, kind: number, out: ByteWriter): void {
  encodeBand(src, base, stride, w, h, cp, kind, out, w);
}

/**
 * Finish one tile from its runs (band.runs from `off`, n of them; none: solid), choosing the
 * smallest subencoding (exact sizes: raw, solid, packed palette, plain RLE, palette RLE;
 * LibVNCServer estimates them). One pass over the runs sizes the forms and builds the palette
 * (hashing once per run, and not at all for a run of the colour two runs back: text alternates two
 * colours; giving the palette up past 127 colours); the chosen form is written straight into out's
 * buffer, from the runs but for raw (from the pixels).
 */
function encodeFromRuns(src: Uint32Array, base: number, stride: number, w: number, h: number, cp: Packer, kind: number, off: number, n: number, out: ByteWriter): void {
  const cs = cp.size;
  const runColour = band.runs.colour;
  const runLength = band.runs.length;
  const runIndex = band.runs.index;
  const at0 = out.reserve(1 + w * h * cs); // the chosen form is never larger than raw + 1
  const b = out.raw;
  let o = at0;
  if (n === 0) {
    b[o++] = 1; // solid
    o = putC(b, o, src[base]!, cp, kind);
    out.truncate(o);
    return;
  }
  const end = off + n;
  pal.clear();
  let palOk = true;
  // the colours (and indexes) of the last two runs (-1: none; pixel values are unsigned)
  let c1 = -1;
  let i1 = 0;
  let c2 = -1;
  let i2 = 0;
  // run lengths take one byte each up to 255 (palette RLE: none for a single pixel), one more per 255
  let multi = 0; // runs longer than one pixel
  let extra = 0; // length bytes past the first
  for (let r = off; r < end; r++) {
    const len = runLength[r]!;
    if (len > 1) {
      multi++;
      if (len > 255) extra += ((len - 1) / 255) | 0;
    }
    if (palOk) {
      const c = runColour[r]!;
      const i = c === c2 ? i2 : pal.put(c);
      if (i < 0) palOk = false;
      runIndex[r] = i;
      c2 = c1;
      i2 = i1;
      c1 = c;
      i1 = i;
    }
  }
  const colours = palOk ? pal.size : 128;
  const rawSize = w * h * cs;
  const plainRle = n * cs + n + extra;
  const palRle = palOk ? colours * cs + n + multi + extra : Infinity;
  const bits = colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 0;
  const packed = bits ? colours * cs + h * ((w * bits + 7) >> 3) : Infinity;
  const best = Math.min(rawSize, plainRle, palRle, packed);
  if (best === rawSize) {
    b[o++] = 0;
    for (let y = 0; y < h; y++) {
      const row = base + y * stride;
      for (let x = 0; x < w; x++) o = putC(b, o, src[row + x]!, cp, kind);
    }
  } else if (best === packed) {
    b[o++] = colours;
    for (let k = 0; k < colours; k++) o = putC(b, o, pal.colours[k]!, cp, kind);
    o = writePackedRuns(band.runs, off, end, b, o, w, bits);
  } else if (best === palRle) {
    b[o++] = 128 + colours;
    for (let k = 0; k < colours; k++) o = putC(b, o, pal.colours[k]!, cp, kind);
    for (let r = off; r < end; r++) {
      const len = runLength[r]!;
      if (len === 1) b[o++] = runIndex[r]!;
      else if (len <= 255) {
        b[o++] = runIndex[r]! | 128;
        b[o++] = len - 1;
      } else {
        b[o++] = runIndex[r]! | 128;
        o = putRunLength(b, o, len);
      }
    }
  } else {
    b[o++] = 128;
    for (let r = off; r < end; r++) {
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
  /** a band of translated pixels (when the client's format is not the surface's) */
  #band = new Uint32Array(0);

  /**
   * deflate: the server's deflate threads for large rectangles (null: this thread only); wasm: the
   * tile pass in WebAssembly where built, for 3-byte little-endian CPIXELs (pixel-kernels.ts; tests
   * compare both ways).
   */
  constructor(
    readonly deflate: ParallelDeflate | null = null,
    readonly wasm = true,
  ) {}

  configure(p: EncodeParams): void {
    if (!this.#stream) this.#level = zlibLevel(p.compressLevel);
  }

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    const cp = cpixelPacker(tr);
    const kind = cpixelKind(cp, tr);
    const w = this.#w;
    w.reset();
    const wasm = this.wasm && kind === 0;
    for (let ty = 0; ty < r.h; ty += ZRLE_TILE) {
      const th = Math.min(ZRLE_TILE, r.h - ty);
      // the surface's pixels are the client's: read them where they are; else translated first
      let src = fb.data;
      let base = (r.y + ty) * fb.width + r.x;
      let stride = fb.width;
      if (!tr.identity) {
        const n = r.w * th;
        if (this.#band.length < n) this.#band = new Uint32Array(n);
        src = clientPixels({ x: r.x, y: r.y + ty, w: r.w, h: th }, fb, tr, this.#band);
        base = 0;
        stride = r.w;
      }
      if (!wasm || !zrleBandWasm(src, base, stride, r.w, th, w, ZRLE_TILE)) encodeBand(src, base, stride, r.w, th, cp, kind, w);
    }
    // CPIXELs: the deflater that finds their 3-byte matches (zlib-stream.ts)
    this.#stream ??= new DeflateStream(this.#level, undefined, this.deflate, 'pixels');
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
