// The dirty-VRAM tracker's contract (HVMOP_track_dirty_vram in our words): the types every backend
// implements (dirty-log.ts: emulated and scan; hw-tracker.ts: host page tables; machine/v86/tracker.ts),
// and the few small pieces they all share.

/** hw: the host's page tables through userfaultfd (hw-tracker.ts), where the addon runs; else dirty. */
export type TrackingMode = 'dirty' | 'dirty-nodrop' | 'scan' | 'hw';

export type TrackerState = 'off' | 'tracking' | 'dropped' | 'scanning';

/**
 * The answer to one query:
 * - `ok`: bitmap of the nr pages from firstPfn (bit i = page firstPfn+i) written since the last call;
 * - `enodata`: a new or changed range, no history yet (Xen's -ENODATA): repaint the whole range;
 * - `einval`: the range is not inside VRAM (Xen's -EINVAL);
 * - `stopped`: nr = 0 stopped tracking.
 */
export type TrackResult =
  | { kind: 'ok'; bitmap: Uint32Array; count: number }
  | { kind: 'enodata' }
  | { kind: 'einval' }
  | { kind: 'stopped' };

export interface TrackerCounters {
  queries: number;
  pagesWalked: number;
  faults: number;
  drops: number;
  rearms: number;
  pagesReported: number;
  bytesCompared: number;
}

/** What the device model asks of the hypervisor. A hardware backend (userfaultfd) can sit behind it too. */
export interface DirtyVramTracker {
  readonly mode: TrackingMode;
  readonly state: TrackerState;
  readonly counters: TrackerCounters;
  /** Time (from `now`) of the last drop and re-arm, or null. */
  readonly lastDropAt: number | null;
  readonly lastRearmAt: number | null;
  trackDirtyVram(firstPfn: number, nr: number): TrackResult;
  /** Called (synchronously, inside the faulting store) when a write re-arms dropped tracking. */
  onRearm: (() => void) | null;
  /** Whether this backend rings `onDirty`; if not, the device model must poll. */
  readonly canNotify: boolean;
  /** Called once on the first page dirtied after a query (or after tracking starts). */
  onDirty: (() => void) | null;
  /** Drop tracking after this long without a dirty page (null: never). */
  readonly idleDropMs: number | null;
  /** The machine ran guest code (one run slice): a backend that cannot see stores may look now. */
  afterGuestRun?(): void;
  /** Release what the backend holds (threads, descriptors). */
  close?(): void;
}

export interface TrackerOptions {
  /** Drop tracking after this long without a dirty page; null never drops. */
  idleDropMs: number | null;
  now?: () => number;
}

export function newTrackerCounters(): TrackerCounters {
  return { queries: 0, pagesWalked: 0, faults: 0, drops: 0, rearms: 0, pagesReported: 0, bytesCompared: 0 };
}

/** 32-bit words of a bitmap of nr pages. */
export const bitmapWords = (nr: number): number => (nr + 31) >>> 5;

/** Xen's -EINVAL: the range is not whole pages inside VRAM's nrPages. */
export function rangeInvalid(firstPfn: number, nr: number, nrPages: number): boolean {
  return !Number.isInteger(firstPfn) || !Number.isInteger(nr) || firstPfn < 0 || nr < 0 || firstPfn + nr > nrPages;
}
