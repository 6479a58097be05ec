// A dirty region as a bitmap of 16-pixel-wide chunks per scanline (QEMU's VNC_DIRTY_PIXELS_PER_BIT).
import { unionRect, type Rect } from './surface.js';

export const CHUNK = 16;

/** The index of the lowest set bit of a non-zero 32-bit word. */
const lowestBit = (w: number) => 31 - Math.clz32(w & -w);

export class DirtyRegion {
  readonly chunksPerRow: number;
  readonly wordsPerRow: number;
  #bits: Uint32Array;
  /**
   * Rows outside [#y0, #y1) are clean, so that every pass over the region costs what changed,
   * not the screen size (a clock's update touches 48 of 768 rows).
   */
  #y0 = 0;
  #y1 = 0;

  constructor(readonly width: number, readonly height: number) {
    this.chunksPerRow = Math.ceil(width / CHUNK);
    this.wordsPerRow = Math.ceil(this.chunksPerRow / 32);
    this.#bits = new Uint32Array(this.wordsPerRow * height);
  }

  /** Mark every chunk that r touches (clipped to the region). */
  addRect(r: Rect): void {
    const x0 = Math.max(0, r.x);
    const y0 = Math.max(0, r.y);
    const x1 = Math.min(this.width, r.x + r.w);
    const y1 = Math.min(this.height, r.y + r.h);
    if (x1 <= x0 || y1 <= y0) return;
    const c0 = Math.floor(x0 / CHUNK);
    const c1 = Math.ceil(x1 / CHUNK); // exclusive
    for (let y = y0; y < y1; y++) this.#setRun(y, c0, c1);
    this.#grow(y0, y1);
  }

  /** Mark chunk c of row y. */
  addChunk(y: number, c: number): void {
    this.#bits[y * this.wordsPerRow + (c >>> 5)]! |= 1 << (c & 31);
    if (y < this.#y0 || y >= this.#y1) this.#grow(y, y + 1);
  }

  #grow(y0: number, y1: number): void {
    if (this.#y0 >= this.#y1) {
      this.#y0 = y0;
      this.#y1 = y1;
      return;
    }
    if (y0 < this.#y0) this.#y0 = y0;
    if (y1 > this.#y1) this.#y1 = y1;
  }

  #setRun(y: number, c0: number, c1: number): void {
    const base = y * this.wordsPerRow;
    for (let c = c0; c < c1; c++) this.#bits[base + (c >>> 5)]! |= 1 << (c & 31);
  }

  isSet(y: number, c: number): boolean {
    return (this.#bits[y * this.wordsPerRow + (c >>> 5)]! & (1 << (c & 31))) !== 0;
  }

  /** Add everything dirty in `other` (same size). */
  addRegion(other: DirtyRegion): void {
    if (other.width !== this.width || other.height !== this.height) throw new RangeError('region size mismatch');
    if (other.#y0 >= other.#y1) return;
    const a = this.#bits;
    const b = other.#bits;
    let any = 0;
    for (let i = other.#y0 * this.wordsPerRow; i < other.#y1 * this.wordsPerRow; i++) {
      any |= b[i]!;
      a[i]! |= b[i]!;
    }
    if (any) this.#grow(other.#y0, other.#y1);
  }

  /** Whether nothing is dirty (and the dirty rows' bounds tightened, for the passes after). */
  isEmpty(): boolean {
    const a = this.#bits;
    const wpr = this.wordsPerRow;
    let y0 = this.#y0;
    let y1 = this.#y1;
    const rowAny = (y: number) => {
      for (let i = y * wpr; i < (y + 1) * wpr; i++) if (a[i]) return true;
      return false;
    };
    while (y0 < y1 && !rowAny(y0)) y0++;
    while (y1 > y0 && !rowAny(y1 - 1)) y1--;
    this.#y0 = y0 < y1 ? y0 : 0;
    this.#y1 = y0 < y1 ? y1 : 0;
    return y0 >= y1;
  }

  clear(): void {
    this.#bits.fill(0, this.#y0 * this.wordsPerRow, this.#y1 * this.wordsPerRow);
    this.#y0 = this.#y1 = 0;
  }

  /** Number of dirty chunks (for stats and tests). */
  countChunks(): number {
    let n = 0;
    for (let i = this.#y0 * this.wordsPerRow; i < this.#y1 * this.wordsPerRow; i++) {
      let v = this.#bits[i]!;
      while (v) {
        v &= v - 1;
        n++;
      }
    }
    return n;
  }

  /** The smallest chunk-aligned rectangle (clipped to the width) that holds every dirty chunk, or null when clean. */
  bounds(): Rect | null {
    if (this.isEmpty()) return null;
    const wpr = this.wordsPerRow;
    let c0 = this.chunksPerRow;
    let c1 = 0; // exclusive
    for (let i = 0; i < wpr; i++) {
      let any = 0;
      for (let y = this.#y0; y < this.#y1; y++) any |= this.#bits[y * wpr + i]!;
      if (!any) continue;
      c0 = Math.min(c0, i * 32 + lowestBit(any));
      c1 = Math.max(c1, i * 32 + 32 - Math.clz32(any));
    }
    const x = c0 * CHUNK;
    return { x, y: this.#y0, w: Math.min(this.width, c1 * CHUNK) - x, h: this.#y1 - this.#y0 };
  }

  /**
   * Remove the dirty chunks that meet `area` and return them as rectangles, QEMU-style: a run
   * of chunks on one row grows down while the rows below have the same run set. Rectangles are
   * chunk-aligned and clipped to the region's size.
   */
  takeRects(area: Rect = { x: 0, y: 0, w: this.width, h: this.height }): Rect[] {
    const out: Rect[] = [];
    if (this.isEmpty()) return out;
    const y0 = Math.max(this.#y0, area.y);
    const y1 = Math.min(this.#y1, area.y + area.h);
    const c0 = Math.max(0, Math.floor(area.x / CHUNK));
    const c1 = Math.min(this.chunksPerRow, Math.ceil((area.x + area.w) / CHUNK));
    const wpr = this.wordsPerRow;
    const bits = this.#bits;
    const test = (y: number, c: number) => (bits[y * wpr + (c >>> 5)]! & (1 << (c & 31))) !== 0;
    const clearBit = (y: number, c: number) => {
      bits[y * wpr + (c >>> 5)]! &= ~(1 << (c & 31));
    };
    for (let y = y0; y < y1; y++) {
      const base = y * wpr;
      let c = c0;
      while (c < c1) {
        // the next dirty chunk from c on, a word at a time (a blinking cursor's row has one or two)
        const w = bits[base + (c >>> 5)]! >>> (c & 31);
        if (w === 0) {
          c = (c | 31) + 1;
          continue;
        }
        c += lowestBit(w);
        if (c >= c1) break;
        let e = c + 1;
        while (e < c1 && test(y, e)) e++;
        // grow downwards while the whole run is set on the next row
        let yEnd = y + 1;
        outer: while (yEnd < y1) {
          for (let k = c; k < e; k++) if (!test(yEnd, k)) break outer;
          yEnd++;
        }
        for (let yy = y; yy < yEnd; yy++) for (let k = c; k < e; k++) clearBit(yy, k);
        const x = c * CHUNK;
        out.push({ x, y, w: Math.min(this.width, e * CHUNK) - x, h: yEnd - y });
        c = e;
      }
    }
    return out;
  }
}

/**
 * Join nearby rectangles where one rectangle over both wastes little: a changed line of text
 * comes out of takeRects as a rectangle for nearly every scanline (each has its own run of changed
 * chunks), and each costs a 12-byte header and its own encoder stream state, more than the unchanged
 * pixels between them cost a compressing encoder. Two join when their bounding box holds at most
 * `slackPx` pixels beyond what both hold. Rectangles from takeRects do not overlap; joined ones may
 * cover pixels of another (they are sent twice, from the same picture: harmless).
 */
export function coalesceRects(rects: Rect[], slackPx: number): Rect[] {
  if (rects.length < 2) return rects;
  const out: Rect[] = [];
  for (const r of rects) {
    let best = -1;
    let bestUnion: Rect | null = null;
    let bestWaste = slackPx + 1;
    for (let i = out.length - 1; i >= 0; i--) {
      const a = out[i]!;
      const u = unionRect(a, r);
      const waste = u.w * u.h - a.w * a.h - r.w * r.h;
      if (waste < bestWaste) {
        bestWaste = waste;
        best = i;
        bestUnion = u;
      }
    }
    if (bestUnion) out[best] = bestUnion;
    else out.push(r);
  }
  return out;
}
