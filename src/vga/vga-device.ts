// The emulated stdvga device model: owns the VGA/VBE registers and the legacy window, renders VRAM
// into the display surface and reports what changed (QEMU's GraphicHwOps: update / invalidate).
// Knows nothing of VNC.
//
// How each mode learns what changed:
// - VBE linear: the hypervisor's dirty-VRAM tracker (pages → rects → exact refine), plus the legacy
//   window's own bookkeeping for stores through the 64 KiB bank at 0xA0000.
// - legacy graphics (13h, 12h...): tracking is stopped; every store runs through the trapped window,
//   which records the exact VRAM words written (VramDirty).
// - text: tracking is stopped (as Xen 3.3's device model did); each cell's character/attribute is
//   compared with a cache; a font change repaints all; cursor moves and blinks repaint two cells;
//   palette changes repaint the cells whose colours changed.
import type { DirtyVramTracker } from '../hypervisor/dirty-log.js';
import type { PortBus } from '../hypervisor/io.js';
import type { VramHost } from '../hypervisor/vram-host.js';
import { DirtyRegion } from '../display/dirty-region.js';
import { framebufferPages, pagesToRects, type LinearLayout } from './page-rects.js';
import { refineLinear32, refineRows } from '../display/refine.js';
import { Surface, type Rect } from '../display/surface.js';
import { palette16, palette256, paletteDiff } from './dac.js';
import { LegacyWindow, LEGACY_WINDOW_BASE, LEGACY_WINDOW_SIZE } from './legacy-window.js';
import { AR_PLANE_ENABLE, VgaRegisters } from './registers.js';
import { describeMode, displayMode, programVgaForVbe, type DisplayMode } from './display-mode.js';
import type { GraphicsLayout } from './render/graphics-layout.js';
import { drawLinear } from './render/linear.js';
import { drawByte8d2 } from './render/mode13.js';
import { drawCga2, drawPlanar4 } from './render/planar.js';
import { renderScreen } from './render/screen.js';
import { blinkPhases, type TextLayout } from './render/text.js';
import { TextCells } from './text-cells.js';
import { VbeRegisters, VBE_DISPI_IOPORT_DATA, VBE_DISPI_IOPORT_INDEX, type VbeMode } from './vbe.js';
import { VramDirty } from './vram-dirty.js';

/** The result of one refresh: whether the surface was replaced, and what changed on it. */
export interface DeviceUpdate {
  resized: boolean;
  region: DirtyRegion;
}

export interface DeviceCounters {
  refreshes: number;
  fullRepaints: number;
  rectsFromPages: number;
  pixelsCompared: number;
  cellsCompared: number;
  cellsDrawn: number;
  blinkTicks: number;
}

export interface VgaDeviceOptions {
  /** Clock for the blink phases (ms); performance.now by default. */
  now?: () => number;
  /** Run a timer that reports blink toggles in text mode (default true; tests step time by hand). */
  blinkTimer?: boolean;
}

/** Size of the blank screen shown while no mode is programmed. */
const BLANK_WIDTH = 640;
const BLANK_HEIGHT = 480;

export class VgaDevice {
  readonly vbe: VbeRegisters;
  readonly regs = new VgaRegisters();
  readonly legacy: LegacyWindow;
  readonly legacyDirty: VramDirty;
  surface: Surface;
  /**
   * Set when the device changed something that is not in VRAM (mode, panning): refresh soon.
   * `fromTimer`: rung by the blink timer, outside guest code (see DisplaySource.onChange).
   */
  onChange: ((fromTimer?: boolean) => void) | null = null;
  readonly counters: DeviceCounters = {
    refreshes: 0,
    fullRepaints: 0,
    rectsFromPages: 0,
    pixelsCompared: 0,
    cellsCompared: 0,
    cellsDrawn: 0,
    blinkTicks: 0,
  };
  #region: DirtyRegion;
  #mode: DisplayMode | null = null;
  #modeKey = '';
  #tmp = new Uint32Array(0);
  #pal16 = new Uint32Array(16);
  #pal256 = new Uint32Array(256);
  #lastPal = new Uint32Array(0);
  readonly #text: TextCells;
  #pending = true;
  /** Something besides the blink clock may have changed since the last update (registers, VRAM). */
  #changedOther = true;
  #blinkTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #now: () => number;
  readonly #useBlinkTimer: boolean;

  constructor(readonly mem: VramHost, io: PortBus, readonly tracker: DirtyVramTracker, options: VgaDeviceOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#useBlinkTimer = options.blinkTimer ?? true;
    this.#text = new TextCells(this.counters);
    this.vbe = new VbeRegisters(mem.vramSize);
    this.vbe.onModeChange = () => this.#changed();
    this.vbe.onEnable = () => this.#vbeEnabled();
    this.vbe.onBankChange = () => (this.legacy.bankOffset = this.vbe.bankOffset);
    // Clearing VRAM on enable is a guest-visible store by the device, logged like any other.
    this.vbe.onClearVram = (bytes) => mem.deviceFill(0, Math.min(bytes, mem.vramSize), 0);
    io.register([VBE_DISPI_IOPORT_INDEX, VBE_DISPI_IOPORT_DATA], {
      read: (port) => (port === VBE_DISPI_IOPORT_INDEX ? this.vbe.readIndex() : this.vbe.readData()),
      write: (port, _size, v) => {
        if (port === VBE_DISPI_IOPORT_INDEX) this.vbe.writeIndex(v);
        else {
          this.vbe.writeData(v);
          this.legacy.bankOffset = this.vbe.bankOffset;
        }
      },
    });
    this.regs.attach(io);
    this.regs.onChange = () => this.#changed();
    this.legacyDirty = new VramDirty(mem.vramSize);
    this.legacy = new LegacyWindow(this.regs, mem, this.legacyDirty);
    this.legacy.onWrite = () => this.#changed();
    mem.mapMmio(LEGACY_WINDOW_BASE, LEGACY_WINDOW_SIZE, this.legacy);
    this.surface = new Surface(BLANK_WIDTH, BLANK_HEIGHT);
    this.#region = new DirtyRegion(BLANK_WIDTH, BLANK_HEIGHT);
  }

  /** Something outside the tracker's view changed: note it and wake the refresher. */
  #changed(blink = false): void {
    if (!blink) this.#changedOther = true;
    // once pending, the refresher has been told; it clears this when it takes the update, so a
    // burst of window stores costs one notification, not one per store
    if (this.#pending) return;
    this.#pending = true;
    this.onChange?.(blink);
  }

  /**
   * True while nothing can change the screen without the device calling onChange: legacy VGA
   * modes (every store is trapped) with no change pending. The refresher may then sleep.
   */
  get quiescent(): boolean {
    return !this.#pending && this.#mode !== null && this.#mode.kind !== 'vbe';
  }


  /** QEMU reprograms the VGA side when VBE is enabled (display-mode.ts). */
  #vbeEnabled(): void {
    const m = this.vbe.mode();
    if (m) programVgaForVbe(this.regs, m);
  }

  /** What the registers say is on screen now. */
  #displayMode(): DisplayMode {
    return displayMode(this.regs, this.vbe, this.mem.vramSize, this.surface);
  }

  /** A description of the mode on the surface (as of the last refresh) for logs and stats. */
  get modeName(): string {
    return describeMode(this.#mode);
  }

  /**
   * The mode the registers say now, whether or not a refresh has run since (with no viewer nothing
   * refreshes the surface): for /stats.
   */
  get currentMode(): { name: string; width: number; height: number } {
    const m = this.#displayMode();
    return { name: describeMode(m), width: m.width, height: m.height };
  }


  /** Force the next update to compare the whole screen (vga_invalidate_display). */
  invalidate(): void {
    this.#modeKey = '';
    this.#changed();
  }

  /** Bring the surface up to date with VRAM and report what changed (vga_update_display). */
  update(): DeviceUpdate {
    this.counters.refreshes++;
    this.#pending = false;
    this.#region.clear();
    // only time has passed (a blink toggle): the registers, hence the mode, are as they were
    const blinkOnly = !this.#changedOther && this.#mode?.kind === 'text' && !this.legacyDirty.any && this.legacy.planeUpdated === 0;
    this.#changedOther = false;
    const mode = blinkOnly ? this.#mode! : this.#displayMode();
    let resized = false;
    let full = false;
    if (mode.key !== this.#modeKey) {
      this.#modeKey = mode.key;
      if (mode.width !== this.surface.width || mode.height !== this.surface.height) {
        this.surface = new Surface(mode.width, mode.height);
        this.#region = new DirtyRegion(mode.width, mode.height);
        resized = true;
      }
      full = true;
      this.#lastPal = new Uint32Array(0);
    }
    this.#mode = mode;
    const out = this.#region;
    if (resized) out.addRect({ x: 0, y: 0, w: this.surface.width, h: this.surface.height });
    if (full) this.counters.fullRepaints++;
    switch (mode.kind) {
      case 'vbe':
        this.#updateVbe(mode.vbe, full, out);
        break;
      case 'text':
        if (!blinkOnly) this.tracker.trackDirtyVram(0, 0);
        this.#updateText(mode.text, full, out, blinkOnly);
        break;
      case 'graphics':
        this.tracker.trackDirtyVram(0, 0);
        this.#updateGraphics(mode.gfx, full, out);
        break;
      default:
        this.tracker.trackDirtyVram(0, 0);
        if (full) {
          this.surface.data.fill(0);
          out.addRect({ x: 0, y: 0, w: this.surface.width, h: this.surface.height });
        }
    }
    this.legacyDirty.clear();
    this.legacy.planeUpdated = 0;
    this.#armBlink(mode);
    return { resized, region: out };
  }

  // ----- text -----

  #updateText(l: TextLayout, full: boolean, out: DirtyRegion, blinkOnly = false): void {
    const { cursorOn, charsOn } = blinkPhases(this.#now(), this.regs.frameRate);
    if (blinkOnly && !full && this.#lastPal.length === 16 && this.#text.holds(l)) {
      this.#text.redrawBlinking(this.surface, this.mem.vram, l, this.#lastPal, cursorOn, charsOn, out);
      return;
    }
    const pal = palette16(this.regs, this.#pal16);
    let changedColours = 0;
    if (this.#lastPal.length !== 16) full = true;
    else changedColours = paletteDiff(this.#lastPal, pal);
    if (this.#lastPal.length !== 16) this.#lastPal = new Uint32Array(16);
    this.#lastPal.set(pal);
    // plane 2 written: the font may have changed, repaint everything (QEMU plane_updated)
    if (this.legacy.planeUpdated & 4) full = true;
    this.#text.redraw(this.surface, this.mem.vram, l, pal, changedColours, full, cursorOn, charsOn, out);
  }

  /** While in text mode with something blinking, wake the refresher at each blink toggle. */
  #armBlink(mode: DisplayMode): void {
    if (!this.#useBlinkTimer || this.#stopped) return;
    let blinking = false;
    if (mode.kind === 'text') {
      const l = mode.text;
      blinking = l.cursorCell >= 0 || (l.blinkEnable && this.#text.anyBlinking);
    }
    if (!blinking) {
      if (this.#blinkTimer) clearTimeout(this.#blinkTimer);
      this.#blinkTimer = null;
      return;
    }
    if (this.#blinkTimer) return;
    const rate = this.regs.frameRate;
    const now = this.#now();
    const frame = Math.floor((now * rate) / 1000);
    const nextToggle = ((frame >> 3) + 1) << 3; // cursor toggles every 8 frames, characters every 16
    const wait = Math.max(1, Math.ceil((nextToggle * 1000) / rate - now));
    this.#blinkTimer = setTimeout(() => {
      this.#blinkTimer = null;
      this.counters.blinkTicks++;
      // Only the next update re-arms the timer: with no listener waiting nothing refreshes, the
      // toggle stays pending (quiescent turns false) and the device costs nothing until a
      // client asks again.
      this.#changed(true);
    }, wait);
    this.#blinkTimer.unref();
  }

  // ----- legacy graphics -----

  #updateGraphics(g: GraphicsLayout, full: boolean, out: DirtyRegion): void {
    const pal = g.kind === 'byte8' ? palette256(this.regs, false, this.#pal256) : palette16(this.regs, this.#pal16);
    if (this.#lastPal.length !== pal.length || paletteDiff(this.#lastPal, pal) !== 0) full = true;
    this.#lastPal = Uint32Array.from(pal);
    const rowFn = (y: number, x0: number, x1: number, tmp: Uint32Array) => this.#graphicsRow(g, pal, y, x0, x1, tmp);
    const whole: Rect = { x: 0, y: 0, w: g.dispWidth, h: g.height };
    if (full) {
      this.#refineRows(rowFn, whole, out);
      return;
    }
    if (!this.legacyDirty.any) return;
    for (let y = 0; y < g.height; y++) {
      const [s, e] = this.legacyDirty.span(g.rowAddr[y]!, g.bwidth);
      if (s < 0) continue;
      const x0 = Math.floor(s * g.pxPerByte);
      const x1 = Math.min(g.dispWidth, Math.ceil(e * g.pxPerByte));
      this.#refineRows(rowFn, { x: x0, y, w: x1 - x0, h: 1 }, out);
    }
  }

  #graphicsRow(g: GraphicsLayout, pal: Uint32Array, y: number, x0: number, x1: number, tmp: Uint32Array): void {
    const vram = this.mem.vram;
    const addr = g.rowAddr[y]!;
    const double = g.dispWidth !== g.width;
    const pe = this.regs.ar[AR_PLANE_ENABLE]!;
    if (g.kind === 'planar4') drawPlanar4(vram, addr, pe, pal, tmp, x0, x1, double);
    else if (g.kind === 'cga2') drawCga2(vram, addr, pe, pal, tmp, x0, x1, double);
    else drawByte8d2(vram, addr, pal, tmp, x0, x1);
  }

  #refineRows(row: (y: number, x0: number, x1: number, tmp: Uint32Array) => void, r: Rect, out: DirtyRegion): void {
    if (this.#tmp.length < this.surface.width) this.#tmp = new Uint32Array(this.surface.width);
    refineRows(row, this.surface, r, out, this.#tmp);
    this.counters.pixelsCompared += r.w * r.h;
  }

  // ----- VBE -----

  #updateVbe(m: VbeMode, full: boolean, out: DirtyRegion): void {
    if (m.bpp === 8) {
      const pal = palette256(this.regs, this.vbe.dac8bit, this.#pal256);
      if (this.#lastPal.length !== 256 || paletteDiff(this.#lastPal, pal) !== 0) full = true;
      this.#lastPal = Uint32Array.from(pal);
    }
    const layout: LinearLayout = { startByte: m.startByte, stride: m.stride, width: m.width, height: m.height, bytesPerPixel: m.bytesPerPixel };
    const { firstPfn, nr } = framebufferPages(layout);
    const res = this.tracker.trackDirtyVram(firstPfn, nr);
    const whole: Rect = { x: 0, y: 0, w: m.width, h: m.height };
    if (full || res.kind !== 'ok') {
      // a new range has no history (ENODATA), and a refused one cannot be tracked: compare it all
      this.#refineVbe(m, whole, out);
      return;
    }
    if (res.count > 0) {
      const rects = pagesToRects(res.bitmap, firstPfn, nr, layout);
      this.counters.rectsFromPages += rects.length;
      for (const r of rects) this.#refineVbe(m, r, out);
    }
    if (this.legacyDirty.any) {
      // stores through the banked window at 0xA0000 bypass the LFB: the window logged them exactly
      const rowBytes = m.width * m.bytesPerPixel;
      for (let y = 0; y < m.height; y++) {
        const [s, e] = this.legacyDirty.span(m.startByte + y * m.stride, rowBytes);
        if (s < 0) continue;
        const x0 = Math.floor(s / m.bytesPerPixel);
        const x1 = Math.min(m.width, Math.ceil(e / m.bytesPerPixel));
        this.#refineVbe(m, { x: x0, y, w: x1 - x0, h: 1 }, out);
      }
    }
  }

  #refineVbe(m: VbeMode, r: Rect, out: DirtyRegion): void {
    if (m.bpp === 32 && (m.startByte & 3) === 0) {
      this.counters.pixelsCompared += refineLinear32(this.mem.vram32, m.startByte >>> 2, m.stride >>> 2, this.surface, r, out);
      return;
    }
    this.#refineRows((y, x0, x1, tmp) => this.#vbeRow(m, y, x0, x1, tmp), r, out);
  }

  #vbeRow(m: VbeMode, y: number, x0: number, x1: number, tmp: Uint32Array): void {
    if (m.bpp === 4) {
      drawPlanar4(this.mem.vram, m.startByte + y * m.stride, 0xf, palette16(this.regs, this.#pal16), tmp, x0, x1, false);
      return;
    }
    drawLinear(this.mem.vram, m.startByte + y * m.stride, m.bpp, this.#pal256, tmp, x0, x1);
  }


  /** The guest's screen rendered now, straight from VRAM and the registers: the ground truth for tests. */
  screenshot(): Surface {
    return renderScreen(this.#displayMode(), this.mem.vram, this.regs, this.vbe.dac8bit, this.#now());
  }

  /** Stop the blink timer (the device is being shut down). */
  stop(): void {
    this.#stopped = true;
    if (this.#blinkTimer) clearTimeout(this.#blinkTimer);
    this.#blinkTimer = null;
  }
}
