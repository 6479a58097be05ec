// Xen 3.3's bookkeeping of one tracked VRAM range, shared by every backend that drops (emulated log,
// v86's bitmap, the hardware bits): which range, its state, when it last saw a dirty page, drops and
// re-arms, and the counters. The backend does the tracking itself; it tells the book what happened.
import type { TrackerCounters, TrackerOptions, TrackerState } from './tracker-types.js';
import { newTrackerCounters, rangeInvalid } from './tracker-types.js';

/** What a query asks for: stop (nr = 0), a range outside VRAM, a new range (ENODATA), or the tracked one. */
export type RangeQuery = 'stop' | 'einval' | 'start' | 'same';

export class XenRangeBook {
  readonly counters: TrackerCounters = newTrackerCounters();
  state: TrackerState = 'off';
  first = 0;
  nr = 0;
  lastDropAt: number | null = null;
  lastRearmAt: number | null = null;
  #lastDirty = 0;
  readonly now: () => number;
  readonly idleDropMs: number | null;

  constructor(options: TrackerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.idleDropMs = options.idleDropMs;
  }

  /** Count one query of [firstPfn, firstPfn + nr) over nrPages of VRAM and say what it asks for. */
  classify(firstPfn: number, nr: number, nrPages: number): RangeQuery {
    this.counters.queries++;
    if (nr === 0) return 'stop';
    if (rangeInvalid(firstPfn, nr, nrPages)) return 'einval';
    return this.state === 'off' || firstPfn !== this.first || nr !== this.nr ? 'start' : 'same';
  }

  /** Tracking the range from now (the answer is ENODATA). */
  started(first: number, nr: number): void {
    this.first = first;
    this.nr = nr;
    this.state = 'tracking';
    this.#lastDirty = this.now();
  }

  stopped(): void {
    this.state = 'off';
    this.nr = 0;
  }

  /** Pages were written (or the answer was "all"): the range is not quiet. */
  dirtied(): void {
    this.#lastDirty = this.now();
  }

  /**
   * A bitmap answer of `count` pages over the range: counted. True when the range has had no dirty page
   * for idleDropMs: the backend takes write access away, then calls dropped().
   */
  settled(count: number): boolean {
    this.counters.pagesWalked += this.nr;
    this.counters.pagesReported += count;
    const now = this.now();
    if (count > 0) this.#lastDirty = now;
    return count === 0 && this.idleDropMs !== null && now - this.#lastDirty >= this.idleDropMs;
  }

  dropped(): void {
    this.state = 'dropped';
    this.lastDropAt = this.now();
    this.counters.drops++;
  }

  /** A write while dropped (Xen's fault): tracking again. False (nothing done) if it was not dropped. */
  rearmed(): boolean {
    if (this.state !== 'dropped') return false;
    const now = this.now();
    this.state = 'tracking';
    this.#lastDirty = now;
    this.lastRearmAt = now;
    this.counters.rearms++;
    return true;
  }
}
