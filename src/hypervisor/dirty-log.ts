// The dirty-VRAM tracker: HVMOP_track_dirty_vram as Xen 3.3 has it, plus the pre-3.3 scan baseline.
import { GuestMemory, PAGE_SHIFT, PAGE_SIZE } from './memory.js';
import { openHwTracker } from './hw-tracker.js';
import type { DirtyVramTracker, TrackerCounters, TrackerOptions, TrackerState, TrackingMode, TrackResult } from './tracker-types.js';
import { bitmapWords, newTrackerCounters, rangeInvalid } from './tracker-types.js';
import { XenRangeBook } from './range-book.js';

export type { DirtyVramTracker, TrackerCounters, TrackerOptions, TrackerState, TrackingMode, TrackResult } from './tracker-types.js';
export const TRACKING_MODES: readonly TrackingMode[] = ['dirty', 'dirty-nodrop', 'scan', 'hw'];

/** Xen 3.3's log-dirty VRAM tracking over the emulated MMU in GuestMemory. */
export class EmulatedDirtyTracker implements DirtyVramTracker {
  readonly counters: TrackerCounters;
  readonly canNotify = true;
  onRearm: (() => void) | null = null;
  onDirty: (() => void) | null = null;
  readonly #book: XenRangeBook;
  #result = new Uint32Array(0);

  constructor(readonly mem: GuestMemory, readonly options: TrackerOptions) {
    this.#book = new XenRangeBook(options);
    this.counters = this.#book.counters;
    mem.onWriteFault = (pfn) => this.#fault(pfn);
    mem.onDoorbell = () => this.onDirty?.();
  }

  get idleDropMs(): number | null {
    return this.options.idleDropMs;
  }

  get mode(): TrackingMode {
    return this.options.idleDropMs === null ? 'dirty-nodrop' : 'dirty';
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

  trackDirtyVram(firstPfn: number, nr: number): TrackResult {
    switch (this.#book.classify(firstPfn, nr, this.mem.nrPages)) {
      case 'stop':
        this.#stop();
        return { kind: 'stopped' };
      case 'einval':
        return { kind: 'einval' };
      case 'start':
        this.#start(firstPfn, nr);
        return { kind: 'enodata' };
    }
    if (this.#book.state === 'dropped') {
      // write access is gone: nothing can have been written without a fault (O(1))
      if (this.#result.length !== bitmapWords(nr)) this.#result = new Uint32Array(bitmapWords(nr));
      else this.#result.fill(0);
      return { kind: 'ok', bitmap: this.#result, count: 0 };
    }
    const count = this.#collect(firstPfn, nr);
    this.mem.armDoorbell();
    if (this.#book.settled(count)) this.#drop();
    return { kind: 'ok', bitmap: this.#result, count };
  }

  /** Move the range's dirty bits into #result (bit 0 = firstPfn) and clear them. */
  #collect(first: number, nr: number): number {
    const words = bitmapWords(nr);
    if (this.#result.length !== words) this.#result = new Uint32Array(words);
    const out = this.#result;
    out.fill(0);
    const log = this.mem.dirty!;
    let count = 0;
    if ((first & 31) === 0) {
      const w0 = first >>> 5;
      for (let i = 0; i < words; i++) {
        let v = log[w0 + i]!;
        if (v === 0) continue;
        const lastBits = nr - i * 32;
        if (lastBits < 32) v &= (1 << lastBits) - 1;
        log[w0 + i]! &= ~v;
        out[i] = v;
        while (v) {
          v &= v - 1;
          count++;
        }
      }
      return count;
    }
    for (let i = 0; i < nr; i++) {
      const p = first + i;
      const b = 1 << (p & 31);
      if (log[p >>> 5]! & b) {
        log[p >>> 5]! &= ~b;
        out[i >>> 5]! |= 1 << (i & 31);
        count++;
      }
    }
    return count;
  }

  #start(first: number, nr: number): void {
    this.#setProtection(false);
    this.mem.dirty = new Uint32Array(bitmapWords(this.mem.nrPages));
    this.mem.armDoorbell();
    this.#book.started(first, nr);
  }

  #stop(): void {
    this.#setProtection(false);
    this.mem.dirty = null;
    this.#book.stopped();
  }

  /** Two quiet seconds: take write access away from the range (sh_remove_write_access). */
  #drop(): void {
    this.#setProtection(true);
    this.#book.dropped();
  }

  #setProtection(on: boolean): void {
    const wp = this.mem.wp;
    if (!on) {
      wp.fill(0);
      return;
    }
    const { first, nr } = this.#book;
    for (let p = first; p < first + nr; p++) wp[p >>> 5]! |= 1 << (p & 31);
  }

  /** A store hit a protected page: the page is writable again (GuestMemory cleared wp) and logging resumes. */
  #fault(_pfn: number): void {
    this.counters.faults++;
    if (this.#book.rearmed()) this.onRearm?.();
  }
}

/**
 * The pre-3.3 baseline: no help from the hypervisor. Every query compares all of VRAM with a
 * shadow copy and reports the pages that differ.
 */
export class ScanTracker implements DirtyVramTracker {
  readonly mode: TrackingMode = 'scan';
  readonly counters = newTrackerCounters();
  readonly canNotify = false;
  readonly idleDropMs = null;
  onDirty: (() => void) | null = null;
  readonly lastDropAt = null;
  readonly lastRearmAt = null;
  onRearm: (() => void) | null = null;
  #state: TrackerState = 'off';
  #first = 0;
  #nr = 0;
  #shadow: Buffer;
  #result = new Uint32Array(0);
  readonly #nrPages: number;

  /** Any VRAM (GuestMemory, v86's): its view is taken anew at each query, as it may move. */
  constructor(readonly mem: { readonly vram: Uint8Array; readonly vramSize: number }) {
    this.#shadow = Buffer.alloc(mem.vramSize);
    this.#nrPages = mem.vramSize >>> PAGE_SHIFT;
  }

  get #vram(): Buffer {
    const v = this.mem.vram;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }

  get state(): TrackerState {
    return this.#state;
  }

  trackDirtyVram(firstPfn: number, nr: number): TrackResult {
    this.counters.queries++;
    if (nr === 0) {
      this.#state = 'off';
      this.#nr = 0;
      return { kind: 'stopped' };
    }
    if (rangeInvalid(firstPfn, nr, this.#nrPages)) {
      return { kind: 'einval' };
    }
    if (this.#state === 'off' || firstPfn !== this.#first || nr !== this.#nr) {
      this.#first = firstPfn;
      this.#nr = nr;
      this.#state = 'scanning';
      this.#vram.copy(this.#shadow);
      return { kind: 'enodata' };
    }
    const words = bitmapWords(nr);
    if (this.#result.length !== words) this.#result = new Uint32Array(words);
    const out = this.#result;
    out.fill(0);
    let count = 0;
    const v = this.#vram;
    const s = this.#shadow;
    for (let p = 0; p < this.#nrPages; p++) {
      const a = p << PAGE_SHIFT;
      if (v.compare(s, a, a + PAGE_SIZE, a, a + PAGE_SIZE) === 0) continue;
      v.copy(s, a, a, a + PAGE_SIZE);
      const i = p - firstPfn;
      if (i >= 0 && i < nr) {
        out[i >>> 5]! |= 1 << (i & 31);
        count++;
      }
    }
    this.counters.bytesCompared += this.mem.vramSize;
    this.counters.pagesWalked += this.#nrPages;
    this.counters.pagesReported += count;
    return { kind: 'ok', bitmap: out, count };
  }
}

/**
 * The tracker for the scripted machine. `hw` needs VRAM in a page-aligned buffer, the addon and a kernel
 * that has what it uses; where it cannot run, `notice` gets one line and the emulated tracker runs instead.
 */
export function createTracker(
  mem: GuestMemory,
  mode: TrackingMode,
  idleDropMs: number,
  now?: () => number,
  notice: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): DirtyVramTracker {
  switch (mode) {
    case 'hw': {
      const hw = openHwTracker(() => mem.vram, { idleDropMs, now, slices: true, notice });
      if ('tracker' in hw) return hw.tracker;
      notice(`vramvnc: --tracking hw unavailable (${hw.reason}); using the emulated tracker (dirty)`);
      return new EmulatedDirtyTracker(mem, { idleDropMs, now });
    }
    case 'scan':
      return new ScanTracker(mem);
    case 'dirty-nodrop':
      return new EmulatedDirtyTracker(mem, { idleDropMs: null, now });
    case 'dirty':
      return new EmulatedDirtyTracker(mem, { idleDropMs, now });
  }
}
