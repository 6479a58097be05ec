// The refresher: asks a display source for changes and fans them out to listeners. Two ways to know when:
// - poll (Xen's device model): every refresh interval while a listener waits and the source is not
//   quiescent;
// - event: the source's doorbell (for the VGA device: the tracker's first dirty page after a query, a
//   re-arming fault, a register change); refresh then (at most once per min interval), and set one
//   timer when the source asks for a quiet check (a tracker drops on it). Either way: no timer at all
//   while the source is quiescent (a dropped tracker, a legacy VGA mode with nothing pending).
import type { DirtyRegion } from './dirty-region.js';
import type { DisplaySource } from './source.js';
import type { Surface } from './surface.js';

/** One consumer of the display (an RFB server, a recorder, a test). */
export interface DisplayListener {
  /** The surface was replaced (mode change); everything on it is new. */
  onResize(surface: Surface): void;
  /** These chunks of the surface changed (the region is reused: copy what you need now). */
  onUpdate(region: DirtyRegion, surface: Surface): void;
  /** Whether this listener is waiting for changes (e.g. a client has a request outstanding). */
  wantsUpdate(): boolean;
}

/** What a consumer such as the RFB server needs of the pipeline. */
export interface DisplayFeed {
  readonly surface: Surface;
  addListener(l: DisplayListener): void;
  removeListener(l: DisplayListener): void;
  /** A listener started waiting: refresh when something may have changed. */
  want(): void;
  /** A full request: refresh now unless a refresh ran within the interval. */
  refreshIfStale(): void;
}

export type RefreshMode = 'poll' | 'event';
export const REFRESH_MODES: readonly RefreshMode[] = ['event', 'poll'];

export interface PipelineOptions {
  /** poll: the refresh interval (Xen: 30 ms). event: the minimum interval between refreshes. */
  refreshIntervalMs: number;
  /** 'event' falls back to 'poll' when the source cannot notify (a scanning tracker). */
  mode?: RefreshMode;
  /** event mode: refreshes are at least this far apart while changes keep coming. */
  minIntervalMs?: number;
}

export interface PipelineCounters {
  refreshes: number;
  wakeups: number;
  idleRefreshes: number;
  /** 16-pixel chunks the source reported changed, over all refreshes. */
  chunksChanged: number;
}

export class DisplayPipeline implements DisplayFeed {
  readonly counters: PipelineCounters = { refreshes: 0, wakeups: 0, idleRefreshes: 0, chunksChanged: 0 };
  /** The mode in effect (event needs a source that can notify). */
  readonly mode: RefreshMode;
  #listeners = new Set<DisplayListener>();
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #dropTimer: NodeJS.Timeout | null = null;
  #lastRefresh = -Infinity;
  /** When the last refresh that found changes ran: the min interval spaces busy refreshes only. */
  #lastBusyRefresh = -Infinity;
  #pending = true; // something may have changed since the last refresh
  #stopped = false;
  readonly #minInterval: number;

  constructor(readonly source: DisplaySource, readonly options: PipelineOptions) {
    this.mode = (options.mode ?? 'event') === 'event' && source.canNotify ? 'event' : 'poll';
    this.#minInterval = this.mode === 'event' ? (options.minIntervalMs ?? 4) : options.refreshIntervalMs;
    source.onChange = (fromTimer) => this.kick(fromTimer);
  }

  get surface(): Surface {
    return this.source.surface;
  }

  addListener(l: DisplayListener): void {
    this.#listeners.add(l);
  }

  removeListener(l: DisplayListener): void {
    this.#listeners.delete(l);
  }

  /**
   * Something changed (a fault re-armed tracking, the doorbell rang, a register changed). From
   * guest code the refresh waits for the current task to end (a burst of stores costs one); from
   * the source's own timer (`now`: a blink toggle) it runs at once when due, without a second hop.
   */
  kick(now = false): void {
    this.#pending = true;
    // already coming (poll mode: the next tick finds it, as Xen's device model would)
    if (this.#immediate || this.#timer) return;
    if (!this.#anyWants()) return;
    const spacing = this.mode === 'event' ? this.#minInterval : 0;
    if (now && !this.#stopped && this.#wait(spacing) <= 0) this.#wake();
    else this.#schedule(spacing);
  }

  /** How long until a refresh `spacing` ms after the last one may run (≤ 0: now). */
  #wait(spacing: number): number {
    return (this.mode === 'event' ? this.#lastBusyRefresh : this.#lastRefresh) + spacing - performance.now();
  }

  /** A listener started waiting: make sure a refresh is coming if anything can have changed. */
  want(): void {
    if (this.#stopped) return;
    if (this.mode === 'event') {
      if (this.#pending) this.#schedule(this.#minInterval);
      return;
    }
    // a dropped tracker faults on the next guest write, legacy VGA modes trap every store: they kick us
    if (this.source.quiescent && !this.#pending) return;
    this.#schedule(this.options.refreshIntervalMs);
  }

  /** Refresh no sooner than `spacing` ms after the last one; now (setImmediate) if that has passed. */
  #schedule(spacing: number): void {
    if (this.#stopped || this.#immediate) return;
    const wait = this.#wait(spacing);
    if (wait <= 0) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = null;
      }
      this.#immediate = setImmediate(() => {
        this.#immediate = null;
        this.#wake();
      });
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#wake();
      }, wait);
    }
  }

  #anyWants(): boolean {
    for (const l of this.#listeners) if (l.wantsUpdate()) return true;
    return false;
  }

  #wake(): void {
    this.counters.wakeups++;
    this.refresh();
    if (this.#anyWants()) this.want();
  }

  /**
   * Refresh now unless a refresh ran within the last interval: a full (non-incremental) request
   * must see the guest's current screen even after a long time with nobody asking.
   */
  refreshIfStale(): void {
    if (this.#stopped) return;
    if (this.mode === 'event' ? this.#pending : performance.now() - this.#lastRefresh >= this.options.refreshIntervalMs) this.refresh();
  }

  /** One refresh pass: device update, then fan-out. Public so tests can step it by hand. */
  refresh(): void {
    this.#lastRefresh = performance.now();
    this.#pending = false;
    this.counters.refreshes++;
    const { resized, region } = this.source.update();
    const surface = this.source.surface;
    if (resized) for (const l of this.#listeners) l.onResize(surface);
    if (this.mode === 'event') this.#armDropCheck();
    if (region.isEmpty()) {
      this.counters.idleRefreshes++;
      return;
    }
    this.#lastBusyRefresh = this.#lastRefresh;
    this.counters.chunksChanged += region.countChunks();
    for (const l of this.#listeners) l.onUpdate(region, surface);
  }

  /** event mode: one timer so that a quiet tracker gets the query that lets it drop. */
  #armDropCheck(): void {
    if (this.#dropTimer) clearTimeout(this.#dropTimer);
    this.#dropTimer = null;
    const idle = this.source.idleCheckMs;
    if (idle === null || this.#stopped) return;
    this.#dropTimer = setTimeout(() => {
      this.#dropTimer = null;
      this.counters.wakeups++;
      this.refresh();
    }, idle + 1);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    if (this.#dropTimer) clearTimeout(this.#dropTimer);
    this.#timer = null;
    this.#immediate = null;
    this.#dropTimer = null;
  }
}
