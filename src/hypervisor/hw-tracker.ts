// `--tracking hw`: Xen 3.3's contract kept by the host's own page tables, for VRAM we do not instrument
// (v86's WebAssembly memory; the scripted machine's VRAM when it lives in a page-aligned buffer).
// - tracking: asynchronous userfaultfd write-protect; a query is one PAGEMAP_SCAN that returns the pages
//   written since the last one and protects them again. The doorbell is a non-clearing scan after each of
//   the machine's run slices (afterGuestRun), at most one a millisecond, and only until it rings.
// - dropped (no page written for idleDropMs): synchronous write-protect. Nothing of ours runs; the guest's
//   next store faults, the addon's thread re-arms tracking, releases the store and wakes the event loop
//   (onRearm). Switching back clears the protection of every page; the addon protects the range again
//   before it releases the store, so the first query after a re-arm reports just what was written. If the
//   faulting thread ran during the switch (a signal let its store through untracked) that query answers
//   ENODATA (repaint all) instead, Xen's answer for a range without history.
// The VRAM view is asked for anew on each query: WebAssembly memory growth detaches the old one; if the
// memory ever moves, tracking restarts at the new address (ENODATA).
import type { DirtyVramTracker, TrackerCounters, TrackerOptions, TrackerState, TrackResult, TrackingMode } from './tracker-types.js';
import { bitmapWords, rangeInvalid } from './tracker-types.js';
import { XenRangeBook } from './range-book.js';
import { PAGE_SHIFT } from './memory.js';
import { loadHwtrack, SCAN_ALL, SCAN_DROPPED, type HwHandle, type HwtrackAddon, type HwtrackLoad } from './hwtrack-addon.js';

export interface HwTrackerOptions extends TrackerOptions {
  /**
   * The machine calls afterGuestRun() after each run slice of the guest: the tracker then rings onDirty
   * (canNotify). Without slices the refresher must poll while tracking is armed, as Xen's device model did.
   */
  slices?: boolean;
  /** At most one doorbell scan per this many ms (default 1). */
  peekIntervalMs?: number;
  /** One line when hardware tracking breaks while running (then every query answers ENODATA). */
  notice?: (line: string) => void;
}

export class HwDirtyTracker implements DirtyVramTracker {
  readonly mode: TrackingMode = 'hw';
  readonly counters: TrackerCounters;
  readonly canNotify: boolean;
  onRearm: (() => void) | null = null;
  onDirty: (() => void) | null = null;
  readonly #book: XenRangeBook;
  #handle: HwHandle | null = null;
  #buffer: ArrayBufferLike | null = null;
  #address = 0;
  #length = 0;
  #result = new Uint32Array(0);
  #doorbellArmed = false;
  #lastPeek = -Infinity;
  #peekTimer: NodeJS.Timeout | null = null;
  #broken: string | null = null;
  #closed = false;

  constructor(readonly addon: HwtrackAddon, readonly vram: () => Uint8Array, readonly options: HwTrackerOptions) {
    this.#book = new XenRangeBook(options);
    this.counters = this.#book.counters;
    this.canNotify = options.slices === true;
    this.#attach(vram());
  }

  get idleDropMs(): number | null {
    return this.options.idleDropMs;
  }

  get state(): TrackerState {
    return this.#book.state;
  }

  get lastDropAt(): number | null {
    return this.#book.lastDropAt;
  }

  get lastRearmAt(): number | null {
    return this.#book.lastRearmAt;
  }

  /** Why hardware tracking stopped working mid-run, or null. */
  get broken(): string | null {
    return this.#broken;
  }

  /** The addon's handle (tests drive its hooks), or null once closed. */
  handleForTest(): HwHandle | null {
    return this.#handle;
  }

  /** The addon's own view of the range (faults read by its thread, etc.), or null once closed. */
  nativeStats() {
    return this.#handle ? this.addon.stats(this.#handle) : null;
  }

  trackDirtyVram(firstPfn: number, nr: number): TrackResult {
    // the view first: a query may find the memory moved (tracking restarts there)
    const nrPages = nr === 0 ? 0 : this.#view().byteLength >>> PAGE_SHIFT;
    const q = this.#book.classify(firstPfn, nr, nrPages);
    if (q === 'stop') {
      this.#stop();
      return { kind: 'stopped' };
    }
    if (q === 'einval') return { kind: 'einval' };
    if (this.#broken !== null || this.#handle === null) {
      this.#armDoorbell();
      return { kind: 'enodata' };
    }
    if (q === 'start') {
      return this.#guard(() => {
        this.addon.protect(this.#handle!, firstPfn, nr);
        this.#book.started(firstPfn, nr);
        this.#armDoorbell();
        return { kind: 'enodata' };
      });
    }
    return this.#guard(() => this.#query(firstPfn, nr));
  }

  #query(firstPfn: number, nr: number): TrackResult {
    const words = bitmapWords(nr);
    if (this.#result.length !== words) this.#result = new Uint32Array(words);
    const count = this.addon.scan(this.#handle!, firstPfn, nr, this.#result);
    if (count === SCAN_DROPPED) return { kind: 'ok', bitmap: this.#result, count: 0 }; // O(1): write access is gone
    this.#book.rearmed(); // a fault re-armed tracking if we still think it dropped (its callback is on its way)
    this.#armDoorbell();
    if (count === SCAN_ALL) {
      // the writer ran while the protection was off: repaint all
      this.counters.pagesWalked += nr;
      this.#book.dirtied();
      return { kind: 'enodata' };
    }
    if (this.#book.settled(count)) {
      this.addon.drop(this.#handle!, firstPfn, nr);
      this.#book.dropped();
      this.#clearPeekTimer();
    }
    return { kind: 'ok', bitmap: this.#result, count };
  }

  /**
   * The machine ran guest code: if tracking is armed and nothing has rung since the last query, look
   * (without clearing) whether a page was written, and ring onDirty if so. O(1) while dropped.
   */
  afterGuestRun(): void {
    if (!this.#doorbellArmed || this.#book.state !== 'tracking' || this.#closed) return;
    const interval = this.options.peekIntervalMs ?? 1;
    if (this.#book.now() - this.#lastPeek < interval) {
      // a burst of slices: look once more at the end of the interval
      if (!this.#peekTimer) {
        this.#peekTimer = setTimeout(() => {
          this.#peekTimer = null;
          if (this.#doorbellArmed && this.#book.state === 'tracking' && !this.#closed) this.#peek();
        }, interval);
        this.#peekTimer.unref();
      }
      return;
    }
    this.#peek();
  }

  #peek(): void {
    this.#lastPeek = this.#book.now();
    let written = true;
    if (this.#broken === null && this.#handle !== null) {
      try {
        written = this.addon.peek(this.#handle, this.#book.first, this.#book.nr);
      } catch (err) {
        this.#fail(err);
      }
    }
    if (written) {
      this.#doorbellArmed = false;
      this.#clearPeekTimer();
      this.onDirty?.();
    }
  }

  /** Release the addon's thread and descriptors (waking any writer still blocked). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearPeekTimer();
    if (this.#handle) this.addon.close(this.#handle);
    this.#handle = null;
    this.#book.stopped();
  }

  /** The current VRAM view; re-opens the range if the memory moved (tracking restarts: ENODATA). */
  #view(): Uint8Array {
    const view = this.vram();
    if (view.buffer !== this.#buffer && !this.#closed) {
      const address = view.byteLength > 0 ? this.addon.address(view) : 0;
      if (address !== this.#address || view.byteLength !== this.#length) {
        if (this.#handle) this.addon.close(this.#handle);
        this.#handle = null;
        this.#book.stopped();
        this.#attach(view);
      }
      this.#buffer = view.buffer;
    }
    return view;
  }

  #attach(view: Uint8Array): void {
    this.#buffer = view.buffer;
    this.#length = view.byteLength;
    this.#address = view.byteLength > 0 ? this.addon.address(view) : 0;
    if (view.byteLength === 0) return;
    try {
      this.#handle = this.addon.open(view, () => this.#onFault());
    } catch (err) {
      this.#fail(err);
    }
  }

  /** The addon's thread re-armed tracking after a fault (called on the event loop). */
  #onFault(): void {
    if (this.#closed) return;
    this.counters.faults++;
    this.#book.rearmed();
    this.onRearm?.();
  }

  #stop(): void {
    this.#clearPeekTimer();
    this.#doorbellArmed = false;
    if (this.#book.state !== 'off' && this.#handle && this.#broken === null) {
      try {
        this.addon.unprotect(this.#handle);
      } catch (err) {
        this.#fail(err);
      }
    }
    this.#book.stopped();
  }

  #armDoorbell(): void {
    this.#doorbellArmed = true;
  }

  #clearPeekTimer(): void {
    if (this.#peekTimer) clearTimeout(this.#peekTimer);
    this.#peekTimer = null;
  }

  /** Run an addon call; if it fails, hardware tracking is over: every query answers ENODATA from now on. */
  #guard(fn: () => TrackResult): TrackResult {
    try {
      return fn();
    } catch (err) {
      this.#fail(err);
      return { kind: 'enodata' };
    }
  }

  #fail(err: unknown): void {
    if (this.#broken !== null) return;
    this.#broken = (err as Error).message;
    if (this.#buffer !== null && this.counters.queries > 0) this.options.notice?.(`vramvnc: hardware dirty tracking failed (${this.#broken}); every refresh now compares the whole framebuffer`);
    if (this.#handle) this.addon.close(this.#handle);
    this.#handle = null;
    // nothing can ring any more: keep the refresher coming
    this.#book.state = 'tracking';
  }
}

/**
 * A hardware tracker over `vram` if this process can run one, else the reason it cannot (one line):
 * no addon, not Linux x86_64, a kernel before 6.7, userfaultfd denied, VRAM not page-aligned.
 */
export function openHwTracker(vram: () => Uint8Array, options: HwTrackerOptions, load: HwtrackLoad = loadHwtrack()): { tracker: HwDirtyTracker } | { reason: string } {
  if (!load.ok) return { reason: load.reason };
  const view = vram();
  if (view.byteLength === 0 || view.byteLength % (1 << PAGE_SHIFT) !== 0 || load.addon.address(view) % (1 << PAGE_SHIFT) !== 0) {
    return { reason: 'the VRAM buffer is not page-aligned whole pages (no WebAssembly.Memory to put it in?)' };
  }
  const tracker = new HwDirtyTracker(load.addon, vram, options);
  if (tracker.broken !== null) {
    tracker.close();
    return { reason: tracker.broken };
  }
  return { tracker };
}
