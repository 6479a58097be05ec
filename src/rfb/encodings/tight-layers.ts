// Text in colours on a plain background, cut for Tight's 1-bit form (rfbproto "Tight Encoding",
// palette filter with two colours) instead of one palette index byte per pixel: a text line in
// several colours goes as one two-colour layer (background and the line's most used colour, every
// other pixel as background) and, drawn over it, a two-colour rectangle for each word in another
// colour; consecutive lines with the same main colour share one layer. Rectangles of an update are
// drawn in order (RFC 6143 §7.6.1), so the words land on top. zlib then packs an eighth of the
// bytes (text fixture, one frame at CompressLevel 6: 15,946 bytes in 5.3 ms, against 19,690 in
// ~11 ms with index bytes; console 8,361 against 11,000).
import type { Rect, Surface } from '../../display/surface.js';
import { markColumnsWasm } from './pixel-kernels.js';

/**
 * A piece drawn as `fg` where the surface has fg and as `bg` everywhere else: Tight's 1-bit data
 * in `bits` when the cut made it already (a line's layer), else read from the surface.
 */
export interface LayerPiece extends Rect {
  layer: { bg: number; fg: number; bits: Uint8Array | null };
}

export function isLayer(r: Rect): r is LayerPiece {
  return (r as Partial<LayerPiece>).layer !== undefined;
}

/** At most this many colours besides the background in one line (more: not text). */
const MAX_FG = 8;
/**
 * Lines narrower or lower than this are not worth layers. A line's 1-bit data is then at least 16
 * bytes, over Tight's 12-byte minimum to compress: it always goes through a zlib stream, so its
 * bytes are never shared with another client as if they were the rectangle's pixels.
 */
const MIN_W = 64;
const MIN_H = 2;

const EMPTY = 0;
const ONE = 1;
const MULTI = 2;

// scratch, reused (encoding is synchronous)
let bitScratch = new Uint8Array(64 * 1024);
let bitsUsed = 0;
let colState = new Uint8Array(0);
let colColour = new Uint32Array(0);
let rowBlank = new Uint8Array(0);
const fgColour = new Uint32Array(MAX_FG);
const fgWidth = new Uint32Array(MAX_FG);

/**
 * Start a cut: the layers' bits of the previous cut may be overwritten from now on (the pieces of a
 * cut are encoded before the next cut is made).
 */
export function beginLayers(): void {
  bitsUsed = 0;
}

/** n zeroed bytes of the bit scratch, valid until the next beginLayers(). */
function takeBits(n: number): Uint8Array {
  if (bitsUsed + n > bitScratch.length) {
    // earlier views keep the old buffer alive
    bitScratch = new Uint8Array(Math.max(bitScratch.length * 2, n));
    bitsUsed = 0;
  }
  const b = bitScratch.subarray(bitsUsed, bitsUsed + n);
  b.fill(0);
  bitsUsed += n;
  return b;
}

/** Clear bits x0..x1-1 of a row of 1-bit data at b[o] (bit 7 of the first byte: x = 0). */
function clearBits(b: Uint8Array, o: number, x0: number, x1: number): void {
  let x = x0;
  while (x < x1 && x & 7) {
    b[o + (x >> 3)]! &= ~(0x80 >> (x & 7));
    x++;
  }
  if (x1 - x >= 8) {
    b.fill(0, o + (x >> 3), o + (x1 >> 3));
    x = x1 & ~7;
  }
  for (; x < x1; x++) b[o + (x >> 3)]! &= ~(0x80 >> (x & 7));
}

/** The colour of row y of r when it has one colour, else -1. */
function rowColour(d: Uint32Array, at: number, w: number): number {
  const c = d[at]!;
  for (let i = at + 1, end = at + w; i < end; i++) if (d[i] !== c) return -1;
  return c;
}

/**
 * r cut into text lines with layers, in drawing order, or null when r is not text on a plain
 * background, or is two colours only. A line is a run of rows with something on them and the
 * background rows below it. Consecutive lines with the same main colour share one layer (each
 * flush of a zlib stream costs a block of its own); a line whose columns hold two foreground
 * colours, or more than MAX_FG, stays whole (merged with its neighbours of that kind). wasm: the
 * column pass in WebAssembly where it is built (pixel-kernels.ts), else here.
 */
export function textLayers(r: Rect, fb: Surface, wasm = true): Rect[] | null {
  if (r.w < MIN_W || r.h < MIN_H) return null;
  const d = fb.data;
  const W = fb.width;
  // each row looked at once: the background is the colour of the first row of one colour, and a
  // row is blank when it is all background
  if (rowBlank.length < r.h) rowBlank = new Uint8Array(r.h);
  let bg = -1;
  for (let y = 0; y < r.h; y++) {
    const c = rowColour(d, (r.y + y) * W + r.x, r.w);
    if (bg < 0) bg = c;
    rowBlank[y] = c >= 0 && c === bg ? 1 : 0;
  }
  if (bg < 0) return null;
  if (colState.length < r.w) {
    colState = new Uint8Array(r.w);
    colColour = new Uint32Array(r.w);
  }
  // the piece's 1-bit data, row by row: each line's layer is the part of it for its rows, so the
  // lines sharing a layer share one stretch of it
  const rb = (r.w + 7) >> 3;
  const mark = bitsUsed;
  const bits = takeBits(rb * r.h);
  const out: Rect[] = [];
  let layers = 0;
  let anyWords = false;
  let plain: Rect | null = null; // lines kept whole, merged downwards
  let run: Line | null = null; // lines sharing a layer, not yet written
  const flush = (): void => {
    if (!run) return;
    const layer: LayerPiece = { x: r.x, y: r.y + run.y0, w: r.w, h: run.y1 - run.y0, layer: { bg, fg: run.fg, bits: bits.subarray(run.y0 * rb, run.y1 * rb) } };
    out.push(layer);
    for (const wd of run.words) out.push(wd);
    layers++;
    run = null;
  };
  let y = 0;
  while (y < r.h) {
    // a line: rows with something on them, then the background rows below
    const y0 = y;
    while (y < r.h && rowBlank[y]) y++;
    const c0 = y;
    while (y < r.h && !rowBlank[y]) y++;
    const c1 = y;
    while (y < r.h && rowBlank[y]) y++;
    const line = c1 > c0 && y - y0 >= MIN_H ? layerLine(d, W, r, bg, bits, rb, c0, c1, y0, y, wasm) : null;
    if (line === null) {
      flush();
      if (plain && plain.y + plain.h === r.y + y0) plain.h += y - y0;
      else out.push((plain = { x: r.x, y: r.y + y0, w: r.w, h: y - y0 }));
      continue;
    }
    plain = null;
    anyWords ||= line.words.length > 0;
    const cur = run as Line | null;
    if (cur && cur.fg === line.fg) {
      // the same main colour: one layer over both
      cur.y1 = line.y1;
      for (const wd of line.words) cur.words.push(wd);
    } else {
      flush();
      run = line;
    }
  }
  flush();
  // a single layer with nothing over it is the plain two-colour rectangle
  if (anyWords || layers > 1) return out;
  bitsUsed = mark;
  return null;
}

/** A line (or lines) as a layer: its rows in r, main colour, and the words in other colours. */
interface Line {
  y0: number;
  y1: number;
  fg: number;
  words: LayerPiece[];
}

/**
 * One line of r (content rows c0..c1, all its rows y0..y1, in r) as a layer and the words over
 * it, its bits set in the piece's 1-bit data (rb bytes a row), or null to keep it whole.
 */
function layerLine(d: Uint32Array, W: number, r: Rect, bg: number, bits: Uint8Array, rb: number, c0: number, c1: number, y0: number, y1: number, wasm: boolean): Line | null {
  const w = r.w;
  const at = (r.y + c0) * W + r.x;
  if (!wasm || !markColumnsWasm(d, at, W, w, c1 - c0, bg, colState, colColour, bits, c0 * rb, rb)) markColumns(d, at, W, w, c1 - c0, bg, bits, c0 * rb, rb);
  // words: runs of columns of one colour (empty columns between two words of a colour join them)
  let nfg = 0;
  const words: { x0: number; x1: number; c: number }[] = [];
  let cur = -1;
  let x0 = 0;
  let x1 = 0;
  for (let x = 0; x < w; x++) {
    const s = colState[x]!;
    if (s === EMPTY) continue;
    if (s === MULTI) return null;
    const c = colColour[x]!;
    if (c !== cur) {
      if (cur >= 0) words.push({ x0, x1, c: cur });
      cur = c;
      x0 = x;
      let k = 0;
      while (k < nfg && fgColour[k] !== c) k++;
      if (k === nfg) {
        if (nfg === MAX_FG) return null;
        fgColour[nfg] = c;
        fgWidth[nfg++] = 0;
      }
    }
    x1 = x + 1;
  }
  if (cur >= 0) words.push({ x0, x1, c: cur });
  if (nfg === 0) return null;
  // the main colour: the one with the most words (the fewest rectangles over the layer), then columns
  for (const wd of words) {
    let k = 0;
    while (fgColour[k] !== wd.c) k++;
    fgWidth[k]! += 4096 + wd.x1 - wd.x0;
  }
  let main = 0;
  for (let k = 1; k < nfg; k++) if (fgWidth[k]! > fgWidth[main]!) main = k;
  const fg = fgColour[main]!;
  const over: LayerPiece[] = [];
  for (const wd of words) {
    if (wd.c === fg) continue;
    // the layer shows this word as background; the word follows in its own colour
    for (let y = c0; y < c1; y++) clearBits(bits, y * rb, wd.x0, wd.x1);
    over.push({ x: r.x + wd.x0, y: r.y + c0, w: wd.x1 - wd.x0, h: c1 - c0, layer: { bg, fg: wd.c, bits: null } });
  }
  return { y0, y1, fg, words: over };
}

/**
 * For each column of the h rows from d[at] (w wide, rows W apart), whether it has no pixel other
 * than bg, pixels of one other colour (and which) or of several (colState, colColour); and a bit
 * set in the rows' 1-bit data (from b[o], rb bytes a row) for every pixel other than bg.
 */
function markColumns(d: Uint32Array, at: number, W: number, w: number, h: number, bg: number, b: Uint8Array, o: number, rb: number): void {
  const state = colState;
  const colour = colColour;
  state.fill(EMPTY, 0, w);
  for (let y = 0; y < h; y++, at += W, o += rb) {
    for (let x = 0; x < w; x++) {
      const v = d[at + x]!;
      if (v === bg) continue;
      b[o + (x >> 3)]! |= 0x80 >> (x & 7);
      const s = state[x]!;
      if (s === EMPTY) {
        state[x] = ONE;
        colour[x] = v;
      } else if (s === ONE && colour[x] !== v) state[x] = MULTI;
    }
  }
}


/**
 * Tight's 1-bit data of a layer: bit set where the surface has the layer's colour, rows padded
 * to a byte, leftmost pixel in bit 7. Writes ceil(w / 8) * h bytes at b[o].
 */
export function layerBits(p: LayerPiece, fb: Surface, b: Uint8Array, o: number): void {
  if (p.layer.bits) {
    b.set(p.layer.bits, o);
    return;
  }
  const d = fb.data;
  const fg = p.layer.fg;
  for (let y = 0; y < p.h; y++) {
    let i = (p.y + y) * fb.width + p.x;
    const end = i + p.w;
    while (i < end) {
      let acc = 0;
      const n = end - i < 8 ? end - i : 8;
      for (let k = 0; k < n; k++, i++) acc = (acc << 1) | (d[i] === fg ? 1 : 0);
      b[o++] = acc << (8 - n);
    }
  }
}
