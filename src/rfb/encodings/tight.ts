// Tight (rfbproto "Tight Encoding", 7): per rectangle a fill, a JPEG (when the client sent a
// QualityLevel and the rectangle is photo-like), or basic compression with the copy, palette
// (mono or indexed) or gradient filter through one of four zlib streams kept per client.
import type { Rect, Surface } from '../../display/surface.js';
import { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import { DEFAULT_ENCODE_PARAMS, type EncodeParams, type Encoder } from './encoder.js';
import { EncodingType, TIGHT_MIN_TO_COMPRESS, TightControl, TightFilter } from '../wire/encodings.js';
import { ColourIndex } from './colour-index.js';
import { Runs, writePackedRuns } from './runs.js';
import { clientPixels, isTpixel888, tpixelPacker, writePacked, type Packer } from './pixels.js';
import {
  encodeJpeg,
  isPhotoLike,
  JPEG_QUALITY,
  predictorStats,
  TIGHT_MAX_AREA,
  TIGHT_MAX_WIDTH,
  tightSplit,
  writeCompactLength,
} from './tight-common.js';
import { DeflateStream, type ParallelDeflate } from '../wire/zlib-stream.js';
import { SOLID_MIN_AREA, solidAreas } from './solid-areas.js';
import { splitRect } from './split.js';
import { beginLayers, isLayer, layerBits, textLayers } from './tight-layers.js';
import { gradient888Wasm, paletteColours, paletteWasm, writeIndices, writeMonoBits } from './pixel-kernels.js';

/**
 * Which of the four zlib streams each kind of data goes through: the palette filter's data of up
 * to FEW_COLOURS colours (one-bit, text layers, few index values), and of more colours, apart.
 */
export const TightStream = { Full: 0, FewColours: 1, ManyColours: 2, Gradient: 3 } as const;

/** Palettes up to this size go through the FewColours stream (text), larger ones through ManyColours. */
export const FEW_COLOURS = 16;

/**
 * zlib level per CompressLevel for the few-colour palette stream (low levels fast). 5 at 6: on the
 * text fixture (one-bit layers) 16,349 bytes in 4.7 ms a frame against 15,946 in 5.3 ms at 6.
 */
const PALETTE_LEVELS = [1, 1, 2, 3, 4, 5, 5, 7, 8, 9];
/**
 * zlib level per CompressLevel for palettes of more than FEW_COLOURS colours (a picture's
 * gradients, a window over a background): two below, as the deflater's longer match search
 * costs them twice the CPU for a fifth of the bytes. Measured on the desktop fixture's 12 such
 * rectangles (381,440 index bytes): level 6 19,726 bytes in 8.5 ms, level 5 23,093 in 4.5 ms,
 * level 4 26,261 in 2.9 ms; the few-colour (text) data packs much better at 6.
 */
const MANY_COLOUR_LEVELS = [1, 1, 1, 2, 3, 3, 4, 5, 7, 9];
/**
 * zlib level per CompressLevel for the full-colour and gradient streams: lower, as TigerVNC's and
 * LibVNCServer's raw levels are. Their data (whole pixels, or the gradient filter's prediction
 * errors) is mostly entropy: zlib's longer match search buys little for much CPU. Measured on the
 * photo fixture's gradient data (2.36 MB, one frame): level 2 1,138,540 bytes in 34 ms, level 6
 * 1,090,773 in 74 ms; the desktop's 24,746 against 14,169 bytes in 1.05 against 3.5 ms.
 */
const PIXEL_LEVELS = [1, 1, 1, 1, 1, 2, 2, 3, 5, 9];

/** The zlib level of each stream (TightStream order) for a CompressLevel (null: 2, TigerVNC's default). */
export function tightZlibLevels(c: number | null): readonly number[] {
  const k = c === null ? 2 : Math.max(0, Math.min(9, c));
  return [PIXEL_LEVELS[k]!, PALETTE_LEVELS[k]!, MANY_COLOUR_LEVELS[k]!, PIXEL_LEVELS[k]!];
}

export class TightEncoder implements Encoder {
  readonly type: number = EncodingType.Tight;
  readonly stateful = true;
  readonly maxWidth = TIGHT_MAX_WIDTH;
  readonly maxArea = TIGHT_MAX_AREA;
  /** Rectangles by kind (for stats and tests). */
  readonly counters = { fill: 0, jpeg: 0, mono: 0, layer: 0, indexed: 0, gradient: 0, full: 0 };
  #streams: (DeflateStream | null)[] = [null, null, null, null];
  #resetBits = 0;
  #params: EncodeParams = DEFAULT_ENCODE_PARAMS;
  #levels = tightZlibLevels(null);
  #lastStream = -1;
  #lastResetBits = 0;
  #data = new ByteWriter(64 * 1024);
  #px: Uint32Array = new Uint32Array(0);

  /**
   * deflate: the server's deflate threads for large rectangles (null: this thread only); wasm: the
   * per-pixel passes in WebAssembly where built (pixel-kernels.ts; tests compare both ways).
   */
  constructor(
    readonly deflate: ParallelDeflate | null = null,
    readonly wasm = true,
  ) {}

  configure(p: EncodeParams): void {
    this.#params = p;
    const levels = tightZlibLevels(p.compressLevel);
    if (levels.some((l, i) => l !== this.#levels[i])) {
      // a new level needs new streams; the client resets its inflaters on our control bits
      this.#levels = levels;
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
    const out: Rect[] = [];
    beginLayers();
    // large one-colour areas go as fills, the rest in pieces with fewer colours
    const { solid, rest } = r.w * r.h < 4 * SOLID_MIN_AREA ? { solid: [], rest: [r] } : solidAreas(r, fb);
    for (const s of solid) for (const p of splitRect(s, TIGHT_MAX_WIDTH, TIGHT_MAX_AREA)) out.push(solidPiece(p));
    for (const p of rest) {
      for (const piece of tightSplit(p, fb, jpeg)) {
        // text in several colours: one-bit layers (tight-layers.ts), drawn in this order
        const layers = textLayers(piece, fb, this.wasm);
        if (layers) out.push(...layers);
        else out.push(piece);
      }
    }
    return out;
  }

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    this.#lastStream = -1;
    this.#lastResetBits = 0;
    const tp = tpixelPacker(tr);
    if (isSolidPiece(r)) {
      // the cut found it one colour: no pass over its pixels
      this.#fill(out, tp, tr.pixel(fb.data[r.y * fb.width + r.x]!));
      return;
    }
    if (isLayer(r)) {
      // one colour of a text line over its background (the words in other colours follow)
      this.counters.layer++;
      this.#paletteHeader(out, TightStream.FewColours, 2);
      writePacked(out, tp, tr.pixel(r.layer.bg));
      writePacked(out, tp, tr.pixel(r.layer.fg));
      const data = this.#data;
      data.reset();
      layerBits(r, fb, data.raw, data.reserve(((r.w + 7) >> 3) * r.h));
      this.#writeData(out, TightStream.FewColours);
      return;
    }
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
    // the palette pass in WebAssembly when it is built (pixel-kernels.ts), else here with its runs
    let colours: number | null = null;
    let inWasm = false;
    if (n < SAMPLE_MIN || !sampleOverflows(src, base, stride, r.w, r.h, tightPalette)) {
      const c = this.wasm ? paletteWasm(src, base, stride, r.w, r.h, tightPalette.limit) : undefined;
      inWasm = c !== undefined;
      colours = inWasm ? c! : countColours(src, base, stride, r.w, r.h, tightPalette, tightRuns);
    }
    if (colours === 1) {
      this.#fill(out, tp, src[base]!);
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
      const stream = colours <= FEW_COLOURS ? TightStream.FewColours : TightStream.ManyColours;
      if (colours === 2) this.counters.mono++;
      else this.counters.indexed++;
      this.#paletteHeader(out, stream, colours);
      const pal = inWasm ? paletteColours(colours) : tightPalette.colours;
      for (let k = 0; k < colours; k++) writePacked(out, tp, pal[k]!);
      if (colours === 2) {
        // 1 bit per pixel (1 = the second colour), rows padded to a byte, leftmost pixel in bit 7
        if (inWasm) writeMonoBits(data, r.w, r.h);
        else writePackedRuns(tightRuns, 0, tightRuns.count, data.raw, data.reserve(((r.w + 7) >> 3) * r.h), r.w, 1);
      } else if (inWasm) writeIndices(data, n);
      else indices(tightRuns, data, n);
      this.#writeData(out, stream);
      return;
    }
    const stats = is888 && this.#params.tightGradient && n >= 64 ? predictorStats(r, fb) : null;
    if (stats !== null && stats.mean < 24) {
      this.counters.gradient++;
      out.u8(TightControl.ExplicitFilter | (TightStream.Gradient << 4) | this.#takeResetBits());
      out.u8(TightFilter.Gradient);
      gradient888(src, base, stride, r.w, r.h, tr, data, stats.flat >= 0.5, this.wasm);
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

  /** A fill rectangle of one client pixel value. */
  #fill(out: ByteWriter, tp: Packer, v: number): void {
    this.counters.fill++;
    out.u8(TightControl.Fill | this.#takeResetBits());
    writePacked(out, tp, v);
  }

  /** A palette-filter rectangle's control byte, filter-id and number-of-colours - 1 (its palette follows). */
  #paletteHeader(out: ByteWriter, stream: number, colours: number): void {
    out.u8(TightControl.ExplicitFilter | (stream << 4) | this.#takeResetBits());
    out.u8(TightFilter.Palette).u8(colours - 1);
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
    const s = (this.#streams[stream] ??= new DeflateStream(this.#levels[stream]!, undefined, this.deflate));
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

/** A piece the cut found to be one colour (solid-areas.ts). */
interface SolidPiece extends Rect {
  solid: true;
}

function solidPiece(r: Rect): SolidPiece {
  return { ...r, solid: true };
}

function isSolidPiece(r: Rect): r is SolidPiece {
  return (r as Partial<SolidPiece>).solid === true;
}

/**
 * The gradient filter for 888 TPIXELs of a w x h block of client pixel values at
 * src[base + y * stride + x]: each component minus the prediction L + U - UL (clamped to 0..255,
 * outside the rectangle 0), modulo 256, in R, G, B order. flatRuns: the block has runs of equal
 * pixels under equal pixels (predictorStats' flat), so look for them after each pixel.
 */
export function gradient888(src: Uint32Array, base: number, stride: number, w: number, h: number, tr: PixelTranslator, out: ByteWriter, flatRuns = false, wasm = true): void {
  if (wasm && gradient888Wasm(src, base, stride, w, h, tr.pf, out)) return;
  const { redShift: rs, greenShift: gs, blueShift: bs } = tr.pf;
  let o = out.reserve(w * h * 3);
  const b = out.raw;
  const clamp = CLAMP;
  for (let y = 0; y < h; y++) {
    const row = base + y * stride;
    const up = y > 0 ? row - stride : -1; // -1: row 0, whose upper neighbours are outside (0)
    const runs = flatRuns && y > 0;
    // the left and upper-left neighbours' components: 0 outside the rectangle
    let lr = 0;
    let lg = 0;
    let lb = 0;
    let ulr = 0;
    let ulg = 0;
    let ulb = 0;
    let x = 0;
    while (x < w) {
      const v = src[row + x]!;
      const u = up >= 0 ? src[up + x]! : 0;
      const vr = (v >>> rs) & 255;
      const vg = (v >>> gs) & 255;
      const vb = (v >>> bs) & 255;
      const ur = (u >>> rs) & 255;
      const ug = (u >>> gs) & 255;
      const ub = (u >>> bs) & 255;
      // the store keeps the low 8 bits: the difference modulo 256
      b[o] = vr - clamp[lr + ur - ulr + 255]!;
      b[o + 1] = vg - clamp[lg + ug - ulg + 255]!;
      b[o + 2] = vb - clamp[lb + ub - ulb + 255]!;
      o += 3;
      x++;
      // a run of this pixel under a run of the one above it is predicted exactly: residuals 0 (flat
      // areas and gradients across the rows; on photos the test costs more than it saves)
      if (runs) {
        while (x < w && src[row + x] === v && src[up + x] === u) {
          b[o] = 0;
          b[o + 1] = 0;
          b[o + 2] = 0;
          o += 3;
          x++;
        }
      }
      lr = vr;
      lg = vg;
      lb = vb;
      ulr = ur;
      ulg = ug;
      ulb = ub;
    }
  }
}

/** p clamped to 0..255 at CLAMP[p + 255], for p in -255..510 (a prediction L + U - UL). */
const CLAMP = Uint8Array.from({ length: 766 }, (_, i) => Math.max(0, Math.min(255, i - 255)));

/** A rectangle's palette for Tight (up to 256 colours) and its runs, reused for every rectangle. */
const tightPalette = new ColourIndex(256);
const tightRuns = new Runs(TIGHT_MAX_AREA);

/**
 * The number of distinct values of a w x h block of src (rows `stride` apart from `base`) into
 * pal, in order of first appearance, its runs (with their palette indexes) into runs; null past
 * pal's limit (it stops there). Hashes once per run of equal pixels, and not for a run of the
 * colour two runs back (text alternates two colours).
 */
export function countColours(src: Uint32Array, base: number, stride: number, w: number, h: number, pal: ColourIndex, runs: Runs): number | null {
  runs.ensure(w * h);
  const colour = runs.colour;
  const length = runs.length;
  const index = runs.index;
  pal.clear();
  let prev = src[base]!;
  let prevI = pal.put(prev);
  let n = 0;
  let start = 0;
  let back = -1; // the colour (and index) of the run before the last one closed (-1: none)
  let backI = 0;
  for (let y = 0, rowStart = 0; y < h; y++, rowStart += w) {
    let i = base + y * stride;
    const end = i + w;
    const toBlock = rowStart - i;
    for (; i < end; i++) {
      const v = src[i]!;
      if (v === prev) continue;
      colour[n] = prev;
      index[n] = prevI;
      length[n++] = i + toBlock - start;
      start = i + toBlock;
      const vi = v === back ? backI : pal.put(v);
      if (vi < 0) return null;
      back = prev;
      backI = prevI;
      prev = v;
      prevI = vi;
    }
  }
  colour[n] = prev;
  index[n] = prevI;
  length[n++] = w * h - start;
  runs.count = n;
  return pal.size;
}

/** Rectangles of at least this many pixels are sampled before their colours are counted. */
const SAMPLE_MIN = 16384;

/**
 * Whether a sample of a w x h block (every 7th pixel of every 3rd row) already holds more colours
 * than a Tight palette: then the block does too, and counting them all (a pass over a picture
 * that has to go with the gradient filter anyway) is skipped.
 */
function sampleOverflows(src: Uint32Array, base: number, stride: number, w: number, h: number, pal: ColourIndex): boolean {
  pal.clear();
  for (let y = 0; y < h; y += 3) {
    for (let i = base + y * stride, end = i + w; i < end; i += 7) if (pal.put(src[i]!) < 0) return true;
  }
  return false;
}

/** Tight's indexed data: one palette index byte per pixel, from the runs. */
function indices(runs: Runs, out: ByteWriter, n: number): void {
  let o = out.reserve(n);
  const b = out.raw;
  const index = runs.index;
  const length = runs.length;
  for (let r = 0; r < runs.count; r++) {
    const len = length[r]!;
    const v = index[r]!;
    if (len > 16) b.fill(v, o, o + len);
    else for (let k = 0; k < len; k++) b[o + k] = v;
    o += len;
  }
}
