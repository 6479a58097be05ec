// The emulated stdvga device model: owns the VGA/VBE registers, renders VRAM into the display
// surface and reports what changed (QEMU's GraphicHwOps: update / invalidate). Knows nothing of VNC.
import type { DirtyVramTracker } from '../hypervisor/dirty-log.js';
import type { PortBus } from '../hypervisor/io.js';
import { GuestMemory, LFB_BASE } from '../hypervisor/memory.js';
import { DirtyRegion } from '../display/dirty-region.js';
import { framebufferPages, pagesToRects, type LinearLayout } from '../display/page-rects.js';
import { refineLinear32, refineRows } from '../display/refine.js';
import { Surface, type Rect } from '../display/surface.js';
import { VbeRegisters, VBE_DISPI_IOPORT_DATA, VBE_DISPI_IOPORT_INDEX, type VbeMode } from './vbe.js';

export class VgaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VgaError';
  }
}

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
  chunksChanged: number;
}

/** Size of the blank screen shown while no mode is programmed. */
const BLANK_WIDTH = 640;
const BLANK_HEIGHT = 480;

export class VgaDevice {
  readonly vbe: VbeRegisters;
  surface: Surface;
  /** Set when the device changed something that is not in VRAM (mode, panning): refresh soon. */
  onChange: (() => void) | null = null;
  readonly counters: DeviceCounters = { refreshes: 0, fullRepaints: 0, rectsFromPages: 0, pixelsCompared: 0, chunksChanged: 0 };
  #region: DirtyRegion;
  #modeKey = '';
  #layout: LinearLayout | null = null;
  #vbeMode: VbeMode | null = null;
  #tmp = new Uint32Array(0);

  constructor(readonly mem: GuestMemory, io: PortBus, readonly tracker: DirtyVramTracker) {
    this.vbe = new VbeRegisters(mem.vramSize);
    this.vbe.onModeChange = () => this.onChange?.();
    // Clearing VRAM on enable is a guest-visible store by the device, logged like any other.
    this.vbe.onClearVram = (bytes) => mem.fill8(LFB_BASE, Math.min(bytes, mem.vramSize), 0);
    io.register([VBE_DISPI_IOPORT_INDEX, VBE_DISPI_IOPORT_DATA], {
      read: (port) => (port === VBE_DISPI_IOPORT_INDEX ? this.vbe.readIndex() : this.vbe.readData()),
      write: (port, _size, v) => (port === VBE_DISPI_IOPORT_INDEX ? this.vbe.writeIndex(v) : this.vbe.writeData(v)),
    });
    this.surface = new Surface(BLANK_WIDTH, BLANK_HEIGHT);
    this.#region = new DirtyRegion(BLANK_WIDTH, BLANK_HEIGHT);
  }

  /** A description of the current mode for logs and stats. */
  get modeName(): string {
    const m = this.#vbeMode;
    return m ? `VBE ${m.width}x${m.height}x${m.bpp}` : 'blank';
  }

  /** Force the next update to compare the whole screen (vga_invalidate_display). */
  invalidate(): void {
    this.#modeKey = '';
    this.onChange?.();
  }

  /** Bring the surface up to date with VRAM and report what changed (vga_update_display). */
  update(): DeviceUpdate {
    this.counters.refreshes++;
    const region = this.#region;
    region.clear();
    const mode = this.vbe.mode();
    const key = mode ? `vbe:${mode.width}x${mode.height}:${mode.bpp}:${mode.stride}:${mode.startByte}` : 'blank';
    let resized = false;
    let full = false;
    if (key !== this.#modeKey) {
      this.#modeKey = key;
      this.#vbeMode = mode;
      const w = mode ? mode.width : BLANK_WIDTH;
      const h = mode ? mode.height : BLANK_HEIGHT;
      if (w !== this.surface.width || h !== this.surface.height) {
        this.surface = new Surface(w, h);
        this.#region = new DirtyRegion(w, h);
        resized = true;
      }
      this.#layout = mode
        ? { startByte: mode.startByte, stride: mode.stride, width: mode.width, height: mode.height, bytesPerPixel: mode.bytesPerPixel }
        : null;
      full = true;
    }
    const out = this.#region;
    if (resized) out.addRect({ x: 0, y: 0, w: this.surface.width, h: this.surface.height });
    const layout = this.#layout;
    if (!layout) {
      this.tracker.trackDirtyVram(0, 0);
      if (full) this.surface.data.fill(0);
      return { resized, region: out };
    }
    const { firstPfn, nr } = framebufferPages(layout);
    const res = this.tracker.trackDirtyVram(firstPfn, nr);
    if (full || res.kind !== 'ok') {
      // a new range has no history (ENODATA), and a refused one cannot be tracked: compare it all
      this.counters.fullRepaints++;
      this.#refine({ x: 0, y: 0, w: layout.width, h: layout.height }, out);
    } else if (res.count > 0) {
      const rects = pagesToRects(res.bitmap, firstPfn, nr, layout);
      this.counters.rectsFromPages += rects.length;
      for (const r of rects) this.#refine(r, out);
    }
    return { resized, region: out };
  }

  #refine(r: Rect, out: DirtyRegion): void {
    const m = this.#vbeMode!;
    if (m.bpp === 32) {
      this.counters.pixelsCompared += refineLinear32(this.mem.vram32, m.startByte >>> 2, m.stride >>> 2, this.surface, r, out);
      return;
    }
    if (this.#tmp.length < this.surface.width) this.#tmp = new Uint32Array(this.surface.width);
    refineRows((y, x0, x1, tmp) => this.#renderRow(y, x0, x1, tmp), this.surface, r, out, this.#tmp);
    this.counters.pixelsCompared += r.w * r.h;
  }

  /** Native pixels of scanline y, columns [x0, x1), for the current non-32 bpp linear mode. */
  #renderRow(y: number, x0: number, x1: number, tmp: Uint32Array): void {
    const m = this.#vbeMode!;
    const v = this.mem.vram;
    const size = v.length;
    let o = m.startByte + y * m.stride + x0 * m.bytesPerPixel;
    for (let x = x0; x < x1; x++, o += m.bytesPerPixel) {
      if (o + m.bytesPerPixel > size) {
        tmp[x] = 0;
        continue;
      }
      switch (m.bpp) {
        case 24:
          tmp[x] = (v[o + 2]! << 16) | (v[o + 1]! << 8) | v[o]!;
          break;
        case 16: {
          const p = v[o]! | (v[o + 1]! << 8);
          tmp[x] = ((p >> 8) & 0xf8) << 16 | ((p >> 3) & 0xfc) << 8 | ((p << 3) & 0xf8);
          break;
        }
        case 15: {
          const p = v[o]! | (v[o + 1]! << 8);
          tmp[x] = ((p >> 7) & 0xf8) << 16 | ((p >> 2) & 0xf8) << 8 | ((p << 3) & 0xf8);
          break;
        }
        default: {
          const g = v[o]!; // 8 bpp: palette comes with the DAC (legacy VGA); grey ramp until then
          tmp[x] = (g << 16) | (g << 8) | g;
        }
      }
    }
  }

  /** The guest's screen rendered now, straight from VRAM: the ground truth for tests. */
  screenshot(): Surface {
    const m = this.vbe.mode();
    if (!m) return new Surface(BLANK_WIDTH, BLANK_HEIGHT);
    const s = new Surface(m.width, m.height);
    const saved = this.#vbeMode;
    this.#vbeMode = m;
    const tmp = new Uint32Array(m.width);
    for (let y = 0; y < m.height; y++) {
      if (m.bpp === 32) {
        const start = (m.startByte + y * m.stride) >>> 2;
        s.data.set(this.mem.vram32.subarray(start, start + m.width), y * m.width);
      } else {
        this.#renderRow(y, 0, m.width, tmp);
        s.data.set(tmp, y * m.width);
      }
    }
    this.#vbeMode = saved;
    return s;
  }
}
