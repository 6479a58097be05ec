// HVMOP_track_dirty_vram over v86's own dirty log. v86 marks a page in a Rust bitmap on every guest
// store to the linear framebuffer (in WebAssembly, at full speed); JavaScript can only empty that
// bitmap through svga_fill_pixel_buffer, which converts each dirty page into a destination buffer.
// A zeroed sentinel word at the start of every page's slot in that buffer tells which pages the call
// converted (each converted word gets alpha 0xFF: never zero). This backend keeps Xen's contract:
// ENODATA on a new range, nr = 0 stops, dropped after idleDropMs without a dirty page, and the first
// write while dropped re-arms tracking and is reported.
//
// v86 has no write protection to take away, so "dropped" means: the device model stops querying and
// the machine stops harvesting on every run slice; the machine harvests at most every
// `droppedCheckMs` of guest execution instead (nothing at all while the guest is halted), and a page
// found there re-arms tracking like Xen's fault does.
import type { DirtyVramTracker, TrackResult, TrackerCounters, TrackerOptions, TrackerState, TrackingMode } from '../../hypervisor/tracker-types.js';
import { bitmapWords } from '../../hypervisor/tracker-types.js';
import { XenRangeBook } from '../../hypervisor/range-book.js';
import { PAGE_SHIFT } from '../../hypervisor/memory.js';
import { wasmView, type V86Cpu } from './internals.js';

/** The part of v86's CPU this backend uses (checked at start: see internals.ts). */
export interface V86DirtyLog {
  /** The WebAssembly memory holding the destination buffer (its buffer is replaced when memory grows). */
  readonly wasmMemory: () => ArrayBuffer;
  /** svga_allocate_dest_buffer(n): a buffer of n 32-bit words in WebAssembly memory; returns its address. */
  allocateDestBuffer(words: number): number;
  /**
   * svga_fill_pixel_buffer(32, 0): convert every dirty page into the buffer and clear the bitmap.
   * Returns the pages it converted as [first, last] page numbers, or null when none were dirty.
   */
  fill(): [number, number] | null;
}

/** The log over v86's CPU (svga_fill_pixel_buffer and the dirty span it leaves in v86's globals). */
export function v86DirtyLog(cpu: V86Cpu): V86DirtyLog {
  const minAt = cpu.svga_dirty_bitmap_min_offset.byteOffset >>> 2;
  const maxAt = cpu.svga_dirty_bitmap_max_offset.byteOffset >>> 2;
  const words = wasmView(cpu, (buf) => new Uint32Array(buf));
  return {
    wasmMemory: () => cpu.wasm_memory.buffer,
    allocateDestBuffer: (n) => cpu.svga_allocate_dest_buffer(n) >>> 0,
    fill: () => {
      cpu.svga_fill_pixel_buffer(32, 0);
      const w = words();
      const min = w[minAt]!;
      return min === 0xffffffff ? null : [min >>> PAGE_SHIFT, w[maxAt]! >>> PAGE_SHIFT];
    },
  };
}

export interface V86TrackerOptions extends TrackerOptions {
  /** While dropped, v86's log is harvested at most this often while the guest runs (ms; default 30). */
  droppedCheckMs?: number;
}

const WORDS_PER_PAGE = 1 << (PAGE_SHIFT - 2);

export class V86DirtyTracker implements DirtyVramTracker {
  readonly counters: TrackerCounters;
  readonly canNotify = true;
  onRearm: (() => void) | null = null;
  onDirty: (() => void) | null = null;
  /** Harvests of v86's bitmap (queries and run-slice checks). */
  harvests = 0;
  readonly nrPages: number;
  readonly #book: XenRangeBook;
  /** Pages written since the last query, over all of VRAM (bit per page). */
  #pending: Uint32Array;
  #pendingCount = 0;
  #doorbellArmed = false;
  #lastDroppedCheck = 0;
  #expectUntil = 0;
  #result = new Uint32Array(0);
  #destAddr: number;
  #dest: Uint32Array | null = null;

  constructor(readonly log: V86DirtyLog, readonly vramSize: number, readonly options: V86TrackerOptions) {
    this.#book = new XenRangeBook(options);
    this.counters = this.#book.counters;
    this.nrPages = vramSize >>> PAGE_SHIFT;
    this.#pending = new Uint32Array(bitmapWords(this.nrPages));
    this.#destAddr = log.allocateDestBuffer(vramSize >>> 2);
    this.#destView().fill(0);
    this.log.fill(); // whatever the firmware wrote before we looked
    this.#destView().fill(0);
  }

  get mode(): TrackingMode {
    return this.options.idleDropMs === null ? 'dirty-nodrop' : 'dirty';
  }
  get state(): TrackerState {
    return this.#book.state;
  }
  get idleDropMs(): number | null {
    return this.options.idleDropMs;
  }
  get lastDropAt(): number | null {
    return this.#book.lastDropAt;
  }
  get lastRearmAt(): number | null {
    return this.#book.lastRearmAt;
  }

  /** The destination buffer, re-derived when WebAssembly memory grew (the old view is detached). */
  #destView(): Uint32Array {
    const buf = this.log.wasmMemory();
    if (this.#dest === null || this.#dest.buffer !== buf) this.#dest = new Uint32Array(buf, this.#destAddr, this.vramSize >>> 2);
    return this.#dest;
  }

  /**
   * Empty v86's bitmap into ours. Called for each query and by the machine after run slices.
   * Returns the number of pages newly found dirty.
   */
  harvest(): number {
    this.harvests++;
    const span = this.log.fill();
    if (span === null) return 0;
    const dest = this.#destView();
    const pending = this.#pending;
    let found = 0;
    // only the span v86 converted: an idle guest's harvest touches no page of the 16 MB buffer
    const last = Math.min(span[1], this.nrPages - 1);
    for (let p = span[0], i = p * WORDS_PER_PAGE; p <= last; p++, i += WORDS_PER_PAGE) {
      if (dest[i] === 0) continue;
      dest[i] = 0;
      const b = 1 << (p & 31);
      if (!(pending[p >>> 5]! & b)) {
        pending[p >>> 5]! |= b;
        found++;
      }
    }
    this.#pendingCount += found;
    if (found > 0) this.#noteWrite();
    return found;
  }

  /** A store into VRAM by our own device model (v86's bitmap never sees JavaScript stores). */
  noteDeviceWrite(offset: number, length: number): void {
    if (length <= 0) return;
    const last = Math.min(this.nrPages - 1, (offset + length - 1) >>> PAGE_SHIFT);
    for (let p = offset >>> PAGE_SHIFT; p <= last; p++) {
      const b = 1 << (p & 31);
      if (!(this.#pending[p >>> 5]! & b)) {
        this.#pending[p >>> 5]! |= b;
        this.#pendingCount++;
      }
    }
    this.#noteWrite();
  }

  /**
   * The machine ran a slice (the only time the guest can have stored): harvest as the state asks.
   * Armed with the doorbell set: every slice (~20 µs with nothing dirty). Dropped: at most every
   * droppedCheckMs of wall time, and every slice while stores are expected (viewer input). Nothing
   * runs while the guest sleeps: slices only run when it has something to do.
   */
  afterGuestRun(): void {
    if (this.#book.state === 'tracking') {
      if (this.#doorbellArmed) this.harvest();
      return;
    }
    if (this.#book.state !== 'dropped') return;
    const now = this.#book.now();
    if (now < this.#expectUntil || now - this.#lastDroppedCheck >= (this.options.droppedCheckMs ?? 30)) {
      this.#lastDroppedCheck = now;
      this.harvest();
    }
  }

  /** Viewer input arrived: its echo is drawn within a few slices, so look after every slice for a while. */
  expectStores(ms = 100): void {
    this.#expectUntil = this.#book.now() + ms;
  }

  #noteWrite(): void {
    if (this.#book.rearmed()) {
      // Xen: the first write to write-protected VRAM faults; tracking resumes and the write is kept
      this.counters.faults++;
      this.#doorbellArmed = false;
      this.onRearm?.();
      return;
    }
    if (this.#book.state === 'tracking' && this.#doorbellArmed) {
      this.#doorbellArmed = false;
      this.onDirty?.();
    }
  }

  trackDirtyVram(firstPfn: number, nr: number): TrackResult {
    switch (this.#book.classify(firstPfn, nr, this.nrPages)) {
      case 'stop':
        this.#book.stopped();
        this.#doorbellArmed = false;
        return { kind: 'stopped' };
      case 'einval':
        return { kind: 'einval' };
      case 'start':
        this.harvest();
        this.#pending.fill(0);
        this.#pendingCount = 0;
        this.#book.started(firstPfn, nr);
        this.#doorbellArmed = true;
        return { kind: 'enodata' };
    }
    const words = bitmapWords(nr);
    if (this.#result.length !== words) this.#result = new Uint32Array(words);
    if (this.#book.state === 'dropped') {
      // nothing was found since the drop (a find re-arms): O(1)
      this.#result.fill(0);
      return { kind: 'ok', bitmap: this.#result, count: 0 };
    }
    this.harvest();
    const count = this.#collect(firstPfn, nr);
    this.#doorbellArmed = true;
    if (this.#book.settled(count)) {
      this.#book.dropped();
      this.#doorbellArmed = false;
    }
    return { kind: 'ok', bitmap: this.#result, count };
  }

  /** Move the range's pending bits into the result (bit 0 = firstPfn); pages outside it are dropped. */
  #collect(first: number, nr: number): number {
    const out = this.#result;
    out.fill(0);
    let count = 0;
    const pending = this.#pending;
    if (this.#pendingCount === 0) return 0;
    for (let i = 0; i < nr; i++) {
      const p = first + i;
      if (pending[p >>> 5]! & (1 << (p & 31))) {
        out[i >>> 5]! |= 1 << (i & 31);
        count++;
      }
    }
    pending.fill(0);
    this.#pendingCount = 0;
    return count;
  }
}
