// vramvnc's VGA device as a DisplaySource: the device's own change notices (registers, the trapped
// legacy window, blink toggles) and the dirty-VRAM tracker's doorbell and re-arming fault become the
// source's one doorbell; the tracker's drop timer becomes idleCheckMs.
import type { DirtyVramTracker } from '../hypervisor/dirty-log.js';
import type { DisplaySource, SourceUpdate } from '../display/source.js';
import type { Surface } from '../display/surface.js';
import type { VgaDevice } from './vga-device.js';

export class VgaDisplay implements DisplaySource {
  #onChange: ((fromTimer?: boolean) => void) | null = null;

  constructor(
    readonly device: VgaDevice,
    readonly tracker: DirtyVramTracker,
    readonly resize?: (width: number, height: number, screens: number) => number,
  ) {
    if (resize) this.requestResize = resize;
  }

  requestResize?(width: number, height: number, screens: number): number;

  get surface(): Surface {
    return this.device.surface;
  }

  update(): SourceUpdate {
    return this.device.update();
  }

  invalidate(): void {
    this.device.invalidate();
  }

  get onChange(): ((fromTimer?: boolean) => void) | null {
    return this.#onChange;
  }

  set onChange(cb: ((fromTimer?: boolean) => void) | null) {
    this.#onChange = cb;
    this.device.onChange = cb;
    // the tracker rings from inside guest stores, with no argument: never "from a timer"
    this.tracker.onRearm = cb;
    if (this.tracker.canNotify) this.tracker.onDirty = cb;
  }

  /** Legacy VGA modes trap every store; a dropped tracker faults on the next LFB store. */
  get quiescent(): boolean {
    return this.device.quiescent || this.tracker.state === 'dropped';
  }

  get idleCheckMs(): number | null {
    return this.tracker.state === 'tracking' ? this.tracker.idleDropMs : null;
  }

  get canNotify(): boolean {
    return this.tracker.canNotify;
  }

  get counters(): object {
    return this.device.counters;
  }
}
