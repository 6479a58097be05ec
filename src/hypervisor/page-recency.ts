// When each VRAM page was last reported dirty, for the viewer's heat map. Recorded at query time
// from the bitmap the tracker hands back (a walk over the set words only), so guest stores cost
// nothing extra; a wrapper around any DirtyVramTracker.
import type { DirtyVramTracker, TrackResult } from './dirty-log.js';

export interface PageRecency {
  /** performance.now() of the query. */
  now: number;
  /** The tracked range (the framebuffer's pages), or nr 0 when not tracking. */
  firstPfn: number;
  nr: number;
  /** VRAM pages in all. */
  totalPages: number;
  /** Per VRAM page: ms since it was last reported dirty, or -1 if never. */
  ageMs: number[];
}

export class RecencyTracker implements DirtyVramTracker {
  /** performance.now() of the last query that reported each page; 0 = never. */
  readonly lastDirty: Float64Array;
  #first = 0;
  #nr = 0;

  constructor(readonly inner: DirtyVramTracker, totalPages: number, readonly now: () => number = () => performance.now()) {
    this.lastDirty = new Float64Array(totalPages);
  }

  get mode() {
    return this.inner.mode;
  }
  get state() {
    return this.inner.state;
  }
  get counters() {
    return this.inner.counters;
  }
  get lastDropAt() {
    return this.inner.lastDropAt;
  }
  get lastRearmAt() {
    return this.inner.lastRearmAt;
  }
  get canNotify() {
    return this.inner.canNotify;
  }
  get idleDropMs() {
    return this.inner.idleDropMs;
  }
  get onDirty() {
    return this.inner.onDirty;
  }
  set onDirty(cb: (() => void) | null) {
    this.inner.onDirty = cb;
  }
  get onRearm() {
    return this.inner.onRearm;
  }
  set onRearm(cb: (() => void) | null) {
    this.inner.onRearm = cb;
  }

  trackDirtyVram(firstPfn: number, nr: number): TrackResult {
    const res = this.inner.trackDirtyVram(firstPfn, nr);
    if (res.kind === 'ok') {
      this.#first = firstPfn;
      this.#nr = nr;
      if (res.count > 0) this.#record(firstPfn, res.bitmap);
    } else if (res.kind === 'stopped') {
      this.#nr = 0;
    } else if (res.kind === 'enodata') {
      this.#first = firstPfn;
      this.#nr = nr;
    }
    return res;
  }

  #record(firstPfn: number, bitmap: Uint32Array): void {
    const t = this.now();
    const last = this.lastDirty;
    for (let w = 0; w < bitmap.length; w++) {
      let v = bitmap[w]!;
      while (v !== 0) {
        const bit = 31 - Math.clz32(v & -v);
        v &= v - 1;
        const pfn = firstPfn + w * 32 + bit;
        if (pfn < last.length) last[pfn] = t;
      }
    }
  }

  /** The heat map's data: age of each page's last reported write. */
  snapshot(): PageRecency {
    const now = this.now();
    const ageMs = new Array<number>(this.lastDirty.length);
    for (let i = 0; i < ageMs.length; i++) {
      const t = this.lastDirty[i]!;
      ageMs[i] = t === 0 ? -1 : Math.round(now - t);
    }
    return { now, firstPfn: this.#first, nr: this.#nr, totalPages: this.lastDirty.length, ageMs };
  }
}
