// ZRLE (RFC 6143 §7.7.6): 64x64 tiles, each raw, solid, packed-palette, plain RLE or palette RLE
// in CPIXELs, all through one zlib stream kept for the session (u32 length + data per rectangle).
import type { Rect, Surface } from '../../display/surface.js';
import { ByteWriter } from '../byte-writer.js';
import type { PixelTranslator } from '../pixel-format.js';
import type { EncodeParams, Encoder } from './encoder.js';
import { EncodingType } from './encodings.js';
import { clientPixels, cpixelPacker, writePacked, type Packer } from './pixels.js';
import { zlibLevel } from './zlib.js';
import { DeflateStream } from './zstream.js';

export const ZRLE_TILE = 64;

/** Append run-length (length - 1) as 255s and a final byte < 255. */
function writeRunLength(w: ByteWriter, len: number): void {
  let n = len - 1;
  while (n >= 255) {
    w.u8(255);
    n -= 255;
  }
  w.u8(n);
}

/**
 * A tile's palette in order of first appearance, up to 127 colours (the most palette RLE can
 * hold): an open-addressing hash in typed arrays, reused for every tile (a Map per tile costs
 * more than the rest of the tile's analysis).
 */
class TilePalette {
  static readonly MAX = 127;
  readonly colours = new Uint32Array(TilePalette.MAX + 1);
  size = 0;
  #keys = new Uint32Array(256);
  #slot = new Int16Array(256); // palette index + 1, 0 = empty

  clear(): void {
    this.size = 0;
    this.#slot.fill(0);
  }

  /** Add v (ignored once full: size then stays MAX + 1, "too many"). */
  add(v: number): void {
    let h = (Math.imul(v, 0x9e3779b1) >>> 24) & 255;
    for (;;) {
      const s = this.#slot[h]!;
      if (s === 0) break;
      if (this.#keys[h] === v) return;
      h = (h + 1) & 255;
    }
    if (this.size > TilePalette.MAX) return;
    this.#keys[h] = v;
    this.colours[this.size] = v;
    this.#slot[h] = ++this.size;
  }

  /** The index of a colour that was added. */
  index(v: number): number {
    let h = (Math.imul(v, 0x9e3779b1) >>> 24) & 255;
    while (this.#keys[h] !== v || this.#slot[h] === 0) h = (h + 1) & 255;
    return this.#slot[h]! - 1;
  }
}

const tilePalette = new TilePalette();

/** Encode one tile (t: client pixel values, w x h) into w, choosing the smallest subencoding. */
export function encodeZrleTile(t: Uint32Array, w: number, h: number, cp: Packer, out: ByteWriter): void {
  // count runs and the palette
  const pal = tilePalette;
  pal.clear();
  let runs = 0;
  let runBytes = 0; // run-length bytes plain RLE needs
  let palRunBytes = 0;
  for (let i = 0; i < t.length; ) {
    const v = t[i]!;
    let j = i + 1;
    while (j < t.length && t[j] === v) j++;
    const len = j - i;
    runs++;
    if (len === 1) {
      runBytes++;
      palRunBytes++;
    } else {
      const lenBytes = Math.floor((len - 1) / 255) + 1;
      runBytes += lenBytes;
      palRunBytes += 1 + lenBytes;
    }
    if (pal.size <= TilePalette.MAX) pal.add(v);
    i = j;
  }
  const cs = cp.size;
  if (pal.size === 1) {
    out.u8(1); // solid
    writePacked(out, cp, t[0]!);
    return;
  }
  const n = pal.size;
  const rawSize = w * h * cs;
  const plainRle = runs * cs + runBytes;
  const palRle = n <= TilePalette.MAX ? n * cs + palRunBytes : Infinity;
  const bits = n <= 2 ? 1 : n <= 4 ? 2 : n <= 16 ? 4 : 0;
  const packed = bits ? n * cs + h * Math.ceil((w * bits) / 8) : Infinity;
  const best = Math.min(rawSize, plainRle, palRle, packed);
  if (best === rawSize) {
    out.u8(0); // raw CPIXELs
    const at = out.reserve(rawSize);
    const b = out.raw;
    for (let i = 0, o = at; i < t.length; i++, o += cs) cp.write(b, o, t[i]!);
    return;
  }
  if (best === packed) {
    out.u8(n); // packed palette of n colours
    for (let k = 0; k < n; k++) writePacked(out, cp, pal.colours[k]!);
    const rowBytes = Math.ceil((w * bits) / 8);
    const at = out.reserve(h * rowBytes);
    const b = out.raw;
    b.fill(0, at, at + h * rowBytes);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const idx = pal.index(t[y * w + x]!);
        const bit = x * bits;
        b[at + y * rowBytes + (bit >> 3)]! |= idx << (8 - bits - (bit & 7));
      }
    }
    return;
  }
  if (best === palRle) {
    out.u8(128 + n); // palette RLE
    for (let k = 0; k < n; k++) writePacked(out, cp, pal.colours[k]!);
    for (let i = 0; i < t.length; ) {
      const v = t[i]!;
      let j = i + 1;
      while (j < t.length && t[j] === v) j++;
      const idx = pal.index(v);
      if (j - i === 1) out.u8(idx);
      else {
        out.u8(idx | 128);
        writeRunLength(out, j - i);
      }
      i = j;
    }
    return;
  }
  out.u8(128); // plain RLE
  for (let i = 0; i < t.length; ) {
    const v = t[i]!;
    let j = i + 1;
    while (j < t.length && t[j] === v) j++;
    writePacked(out, cp, v);
    writeRunLength(out, j - i);
    i = j;
  }
}

export class ZrleEncoder implements Encoder {
  readonly type = EncodingType.ZRLE;
  readonly stateful = true;
  #stream: DeflateStream | null = null;
  #level = zlibLevel(null);
  #w = new ByteWriter(64 * 1024);
  #px: Uint32Array = new Uint32Array(0);

  configure(p: EncodeParams): void {
    if (!this.#stream) this.#level = zlibLevel(p.compressLevel);
  }

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    if (this.#px.length < r.w * r.h) this.#px = new Uint32Array(r.w * r.h);
    const px = clientPixels(r, fb, tr, this.#px);
    const cp = cpixelPacker(tr);
    const w = this.#w;
    w.reset();
    const tile = new Uint32Array(ZRLE_TILE * ZRLE_TILE);
    for (let ty = 0; ty < r.h; ty += ZRLE_TILE) {
      const th = Math.min(ZRLE_TILE, r.h - ty);
      for (let tx = 0; tx < r.w; tx += ZRLE_TILE) {
        const tw = Math.min(ZRLE_TILE, r.w - tx);
        for (let y = 0; y < th; y++) {
          const s = (ty + y) * r.w + tx;
          tile.set(px.subarray(s, s + tw), y * tw);
        }
        encodeZrleTile(tile.subarray(0, tw * th), tw, th, cp, w);
      }
    }
    this.#stream ??= new DeflateStream(this.#level);
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
