// The refresher: while a listener waits, ask the device for changes every refresh interval and fan
// them out; sleep while nothing can change (tracking dropped), wake at once on a re-arming fault.
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

export interface PipelineOptions {
  refreshIntervalMs: number;
}

export interface PipelineCounters {
  refreshes: number;
  wakeups: number;
  idleRefreshes: number;
}

export class DisplayPipeline {
  readonly counters: PipelineCounters = { refreshes: 0, wakeups: 0, idleRefreshes: 0 };
  #listeners = new Set<DisplayListener>();
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #lastRefresh = -Infinity;
  #stopped = false;

  constructor(readonly device: VgaDevice, readonly tracker: DirtyVramTracker, readonly options: PipelineOptions) {
    tracker.onRearm = () => this.kick();
    device.onChange = () => this.kick();
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

  /** Something changed now (a fault re-armed tracking, the mode changed): refresh without waiting. */
  kick(): void {
    if (this.#stopped || this.#immediate || !this.#anyWants()) return;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#immediate = setImmediate(() => {
      this.#immediate = null;
      this.#wake();
    });
  }

  /** A listener started waiting: make sure a refresh is coming. */
  want(): void {
    if (this.#stopped || this.#timer || this.#immediate) return;
    if (this.tracker.state === 'dropped') return; // the next guest write faults and kicks us
    const wait = Math.max(0, this.#lastRefresh + this.options.refreshIntervalMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#wake();
    }, wait);
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
    if (performance.now() - this.#lastRefresh >= this.options.refreshIntervalMs) this.refresh();
  }

  /** One refresh pass: device update, then fan-out. Public so tests can step it by hand. */
  refresh(): void {
    this.#lastRefresh = performance.now();
    this.counters.refreshes++;
    const { resized, region } = this.device.update();
    const surface = this.device.surface;
    if (resized) for (const l of this.#listeners) l.onResize(surface);
    if (region.isEmpty()) {
      this.counters.idleRefreshes++;
      return;
    }
    this.device.counters.chunksChanged += region.countChunks();
    for (const l of this.#listeners) l.onUpdate(region, surface);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }
}
