// Finding where the screen really moved (a terminal scrolling, VBE panning): compare the dirty
// band of the new frame with the previous frame shifted vertically, so that clients holding the
// old pixels get a CopyRect and only the newly exposed strip.
import { CHUNK, DirtyRegion } from '../../display/dirty-region.js';
import { rowsEqual, type Rect, type Surface } from '../../display/surface.js';

/** dst (in the new frame) holds what src (same size, at srcX, srcY) held in the previous frame. */
export interface Move {
  srcX: number;
  srcY: number;
  dst: Rect;
}

/** The smallest band of rows a move must cover to be worth a CopyRect. */
export const MIN_MOVE_ROWS = 8;
/**
 * A dirty band smaller than this (pixels) is cheaper to send than to search: a cursor blink or a
 * clock is not looked at (the search costs ~0.1-0.2 ms per update, ~9 times a second in text mode).
 */
export const MIN_MOVE_AREA = 128 * 128;

/** A hash of a row from a sample of ~128 of its pixels: a filter only, moves are verified exactly. */
function hashRow(d: Uint32Array, start: number, n: number): number {
  const step = Math.max(1, n >> 7);
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i += step) h = Math.imul(h ^ d[start + i]!, 0x01000193);
  return h >>> 0;
}

/** Keeps the previous frame (the rows that changed) and finds vertical moves in each update. */
export class MoveDetector {
  #prev: Uint32Array | null = null;
  #w = 0;
  #h = 0;
  #scratch: DirtyRegion | null = null;
  /** Hashes of the previous frame's rows over columns [#hashX, #hashX + #hashN), where valid. */
  #hash = new Uint32Array(0);
  #hashValid = new Uint8Array(0);
  #hashX = -1;
  #hashN = -1;
  counters = { detections: 0, moves: 0, rowsHashed: 0 };

  /** The surface was replaced: there is no previous frame until the next commit. */
  reset(): void {
    this.#prev = null;
  }

  #prevHashes(x0: number, n: number): Uint32Array {
    const h = this.#h;
    if (this.#hash.length !== h || this.#hashX !== x0 || this.#hashN !== n) {
      this.#hash = new Uint32Array(h);
      this.#hashValid = new Uint8Array(h);
      this.#hashX = x0;
      this.#hashN = n;
    }
    const prev = this.#prev!;
    for (let y = 0; y < h; y++) {
      if (this.#hashValid[y]) continue;
      this.#hash[y] = hashRow(prev, y * this.#w + x0, n);
      this.#hashValid[y] = 1;
      this.counters.rowsHashed++;
    }
    return this.#hash;
  }

  /** Look for a vertical move in the dirty band of `region` (call before commit). */
  detect(region: DirtyRegion, s: Surface): Move | null {
    const prev = this.#prev;
    if (!prev || this.#w !== s.width || this.#h !== s.height) return null;
    // the dirty band: rows and chunk columns with anything dirty (a blink's is too small: no search)
    const band = region.bounds();
    if (!band || band.h < MIN_MOVE_ROWS || band.w * band.h < MIN_MOVE_AREA) return null;
    return this.#search(band, s, prev);
  }

  /** The search of detect, in a function of its own: the blink path never runs (nor compiles) it. */
  #search(band: Rect, s: Surface, prev: Uint32Array): Move | null {
    const y0 = band.y;
    const y1 = band.y + band.h;
    const x0 = band.x;
    const n = band.w;
    this.counters.detections++;
    const W = s.width;
    const cur = s.data;
    // each distinctive new row votes for every shift to a previous row with the same hash (at
    // most 8 previous rows per hash); previous rows' hashes are kept between updates, so only
    // the rows that changed since are hashed again
    const newRows = new Map<number, number[]>();
    let lastHash = -1;
    for (let y = y0; y < y1; y++) {
      const h = hashRow(cur, y * W + x0, n);
      if (h === lastHash) continue; // runs of equal rows (flat areas) match any shift
      lastHash = h;
      const list = newRows.get(h);
      if (!list) newRows.set(h, [y]);
      else list.push(y);
    }
    const prevHash = this.#prevHashes(x0, n);
    const seen = new Map<number, number>();
    const votes = new Map<number, number>();
    for (let py = 0; py < s.height; py++) {
      const h = prevHash[py]!;
      const ys = newRows.get(h);
      if (!ys) continue;
      const k = seen.get(h) ?? 0;
      if (k >= 8) continue;
      seen.set(h, k + 1);
      for (const y of ys) {
        const dy = py - y;
        if (dy !== 0) votes.set(dy, (votes.get(dy) ?? 0) + 1);
      }
    }
    let dy = 0;
    let best = 3; // at least 4 distinctive rows must agree
    for (const [d, v] of votes) if (v > best || (v === best && dy !== 0 && Math.abs(d) < Math.abs(dy))) ((best = v), (dy = d));
    if (dy === 0) return null;
    // the longest run of rows that equal the previous frame's rows dy away and meet the band;
    // the whole width first (fewer, larger rectangles), else the dirty columns only
    for (const [sx, sn] of [
      [0, W],
      [x0, n],
    ] as const) {
      let runStart = -1;
      let bestStart = 0;
      let bestLen = 0;
      for (let y = 0; y <= s.height; y++) {
        const ok = y < s.height && y + dy >= 0 && y + dy < s.height && rowsEqual(cur, y * W + sx, prev, (y + dy) * W + sx, sn);
        if (ok && runStart < 0) runStart = y;
        if (!ok && runStart >= 0) {
          if (y - runStart > bestLen && runStart < y1 && y > y0) ((bestLen = y - runStart), (bestStart = runStart));
          runStart = -1;
        }
      }
      if (bestLen >= MIN_MOVE_ROWS) {
        this.counters.moves++;
        return { srcX: sx, srcY: bestStart + dy, dst: { x: sx, y: bestStart, w: sn, h: bestLen } };
      }
    }
    return null;
  }

  /** Remember the new frame's changed rows as the previous frame for next time. */
  commit(region: DirtyRegion, s: Surface): void {
    if (!this.#prev || this.#w !== s.width || this.#h !== s.height) {
      this.#prev = Uint32Array.from(s.data);
      this.#w = s.width;
      this.#h = s.height;
      this.#hashValid.fill(0);
      return;
    }
    const W = s.width;
    for (const r of this.#rects(region)) {
      this.#hashValid.fill(0, r.y, r.y + r.h);
      for (let y = r.y; y < r.y + r.h; y++) {
        const a = y * W + r.x;
        this.#prev.set(s.data.subarray(a, a + r.w), a);
      }
    }
  }

  /** The region's rectangles, without disturbing it (a scratch copy is taken apart). */
  #rects(region: DirtyRegion): Rect[] {
    let t = this.#scratch;
    if (!t || t.width !== region.width || t.height !== region.height) t = this.#scratch = new DirtyRegion(region.width, region.height);
    t.clear();
    t.addRegion(region);
    return t.takeRects();
  }
}

/** A copy of `region` without the chunks inside r (r's columns chunk-aligned or at the right edge). */
export function regionWithout(region: DirtyRegion, r: Rect): DirtyRegion {
  const out = new DirtyRegion(region.width, region.height);
  const c0 = Math.floor(r.x / CHUNK);
  const c1 = Math.ceil((r.x + r.w) / CHUNK);
  for (let y = 0; y < region.height; y++) {
    const inRows = y >= r.y && y < r.y + r.h;
    for (let c = 0; c < region.chunksPerRow; c++) {
      if (!region.isSet(y, c)) continue;
      if (inRows && c >= c0 && c < c1) continue;
      out.addChunk(y, c);
    }
  }
  return out;
}

/** Whether any chunk of region meets r. */
export function regionTouches(region: DirtyRegion, r: Rect): boolean {
  const c0 = Math.floor(r.x / CHUNK);
  const c1 = Math.ceil((r.x + r.w) / CHUNK);
  for (let y = Math.max(0, r.y); y < Math.min(region.height, r.y + r.h); y++)
    for (let c = c0; c < Math.min(c1, region.chunksPerRow); c++) if (region.isSet(y, c)) return true;
  return false;
}
