// The refresher: asks the device for changes and fans them out to listeners. Two ways to know when:
// - poll (Xen's device model): every refresh interval while a listener waits and tracking is armed;
// - event: the tracker's doorbell rings on the first dirty page after a query, the device says when
//   registers change; refresh then (at most once per min interval), and set one timer so tracking
//   can drop after the idle period. Either way: no timer at all once tracking has dropped.
import type { DirtyVramTracker } from '../hypervisor/dirty-log.js';
import type { VgaDevice } from '../vga/vga-device.js';
import type { DirtyRegion } from './dirty-region.js';
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

export type RefreshMode = 'poll' | 'event';
export const REFRESH_MODES: readonly RefreshMode[] = ['event', 'poll'];

export interface PipelineOptions {
  /** poll: the refresh interval (Xen: 30 ms). event: the minimum interval between refreshes. */
  refreshIntervalMs: number;
  /** 'event' falls back to 'poll' when the tracker cannot notify (scan). */
  mode?: RefreshMode;
  /** event mode: refreshes are at least this far apart while changes keep coming. */
  minIntervalMs?: number;
}

export interface PipelineCounters {
  refreshes: number;
  wakeups: number;
  idleRefreshes: number;
}

export class DisplayPipeline {
  readonly counters: PipelineCounters = { refreshes: 0, wakeups: 0, idleRefreshes: 0 };
  /** The mode in effect (event needs a tracker that can notify). */
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

  constructor(readonly device: VgaDevice, readonly tracker: DirtyVramTracker, readonly options: PipelineOptions) {
    this.mode = (options.mode ?? 'event') === 'event' && tracker.canNotify ? 'event' : 'poll';
    this.#minInterval = this.mode === 'event' ? (options.minIntervalMs ?? 4) : options.refreshIntervalMs;
    tracker.onRearm = () => this.kick();
    device.onChange = () => this.kick();
    if (this.mode === 'event') tracker.onDirty = () => this.kick();
  }

  get surface(): Surface {
    return this.device.surface;
  }

  addListener(l: DisplayListener): void {
    this.#listeners.add(l);
  }

  removeListener(l: DisplayListener): void {
    this.#listeners.delete(l);
  }

  /** Something changed (a fault re-armed tracking, the doorbell rang, a register changed). */
  kick(): void {
    this.#pending = true;
    // already coming (poll mode: the next tick finds it, as Xen's device model would)
    if (this.#immediate || this.#timer) return;
    if (this.#anyWants()) this.#schedule(this.mode === 'event' ? this.#minInterval : 0);
  }

  /** A listener started waiting: make sure a refresh is coming if anything can have changed. */
  want(): void {
    if (this.#stopped) return;
    if (this.mode === 'event') {
      if (this.#pending) this.#schedule(this.#minInterval);
      return;
    }
    if (this.tracker.state === 'dropped' && !this.#pending) return; // the next guest write faults and kicks us
    if (this.device.quiescent && !this.#pending) return; // legacy VGA modes: every change calls device.onChange
    this.#schedule(this.options.refreshIntervalMs);
  }

  /** Refresh no sooner than `spacing` ms after the last one; now (setImmediate) if that has passed. */
  #schedule(spacing: number): void {
    if (this.#stopped || this.#immediate) return;
    const since = this.mode === 'event' ? this.#lastBusyRefresh : this.#lastRefresh;
    const wait = since + spacing - performance.now();
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
    const { resized, region } = this.device.update();
    const surface = this.device.surface;
    if (resized) for (const l of this.#listeners) l.onResize(surface);
    if (this.mode === 'event') this.#armDropCheck();
    if (region.isEmpty()) {
      this.counters.idleRefreshes++;
      return;
    }
    this.#lastBusyRefresh = this.#lastRefresh;
    this.device.counters.chunksChanged += region.countChunks();
    for (const l of this.#listeners) l.onUpdate(region, surface);
  }

  /** event mode: one timer so that a quiet tracker gets the query that lets it drop. */
  #armDropCheck(): void {
    if (this.#dropTimer) clearTimeout(this.#dropTimer);
    this.#dropTimer = null;
    const idle = this.tracker.idleDropMs;
    if (idle === null || this.tracker.state !== 'tracking' || this.#stopped) return;
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
