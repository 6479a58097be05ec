// The legacy VGA window 0xA0000-0xBFFFF as trapped MMIO: every guest access runs the memory
// access logic of the sequencer and graphics controller (memory map select, chain-4, odd/even,
// plane mask, write modes 0-3, read modes 0-1, latches), on VRAM laid out as QEMU does it:
// planar address a holds planes 0-3 in bytes 4a..4a+3.
// @see QEMU hw/display/vga.c vga_mem_readb / vga_mem_writeb; FreeVGA "Graphics Controller Registers"
import type { MmioHandler } from '../hypervisor/memory.js';
import {
  GR_BIT_MASK,
  GR_COMPARE_MASK,
  GR_COMPARE_VALUE,
  GR_DATA_ROTATE,
  GR_MISC,
  GR_MODE,
  GR_PLANE_READ,
  GR_SR_ENABLE,
  GR_SR_VALUE,
  SR04_CHN_4M,
  SR_MEMORY_MODE,
  SR_PLANE_WRITE,
  type VgaRegisters,
} from './registers.js';
import type { VramDirty } from './vram-dirty.js';
import type { VramHost } from '../hypervisor/vram-host.js';

export const LEGACY_WINDOW_BASE = 0xa0000;
export const LEGACY_WINDOW_SIZE = 0x20000;

/** Each bit of a 4-bit value expanded to a byte lane (QEMU mask16). */
export function mask16(v: number): number {
  return ((v & 1 ? 0xff : 0) | (v & 2 ? 0xff00 : 0) | (v & 4 ? 0xff0000 : 0) | (v & 8 ? 0xff000000 : 0)) >>> 0;
}

export interface LegacyCounters {
  reads: number;
  writes: number;
}

export class LegacyWindow implements MmioHandler {
  /** The 32-bit latch loaded by every planar read (all four planes at once). */
  latch = 0;
  /** Planes written since the renderer last looked (bit 2 set = the font may have changed). */
  planeUpdated = 0;
  /** VBE bank offset added in memory map 1 (64 KiB at 0xA0000). */
  bankOffset = 0;
  /** Called after each store (the device decides whether a refresh is due). */
  onWrite: (() => void) | null = null;
  readonly counters: LegacyCounters = { reads: 0, writes: 0 };

  /** VRAM is read from the host at each access: its views may be replaced while the guest runs. */
  constructor(readonly regs: VgaRegisters, readonly host: VramHost, readonly dirty: VramDirty) {}

  read(addr: number, size: 1 | 2 | 4): number {
    // the window is byte-wide (max_access_size 1): wider accesses are split, low byte first
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readb(addr + i) << (8 * i);
    return v >>> 0;
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < size; i++) this.writeb(addr + i, (value >>> (8 * i)) & 0xff);
  }

  /** Window offset → VRAM offset for the current memory map, or -1 outside the mapped range. */
  #offset(addr: number): number {
    let a = (addr - LEGACY_WINDOW_BASE) & 0x1ffff;
    switch ((this.regs.gr[GR_MISC]! >> 2) & 3) {
      case 0:
        return a;
      case 1:
        return a >= 0x10000 ? -1 : a + this.bankOffset;
      case 2:
        a -= 0x10000;
        return a < 0 || a >= 0x8000 ? -1 : a;
      default:
        a -= 0x18000;
        return a < 0 || a >= 0x8000 ? -1 : a;
    }
  }

  readb(addr: number): number {
    this.counters.reads++;
    const a = this.#offset(addr);
    if (a < 0) return 0xff;
    const { sr, gr } = this.regs;
    const vram = this.host.vram;
    if (sr[SR_MEMORY_MODE]! & SR04_CHN_4M) return a < vram.length ? vram[a]! : 0xff;
    if (gr[GR_MODE]! & 0x10) {
      // odd/even: even addresses read plane 0 (or 2), odd ones plane 1 (or 3)
      const plane = (gr[GR_PLANE_READ]! & 2) | (a & 1);
      const o = ((a & ~1) << 1) | plane;
      return o < vram.length ? vram[o]! : 0xff;
    }
    const vram32 = this.host.vram32;
    if (a >= vram32.length) return 0xff;
    this.latch = vram32[a]!;
    if (!(gr[GR_MODE]! & 0x08)) {
      // read mode 0: the selected plane
      return (this.latch >>> (8 * (gr[GR_PLANE_READ]! & 3))) & 0xff;
    }
    // read mode 1: colour compare; a pixel's bit is 1 when every plane in "colour don't care" matches
    let r = (this.latch ^ mask16(gr[GR_COMPARE_VALUE]!)) & mask16(gr[GR_COMPARE_MASK]!);
    r |= r >>> 16;
    r |= r >>> 8;
    return ~r & 0xff;
  }

  writeb(addr: number, val: number): void {
    this.counters.writes++;
    const a = this.#offset(addr);
    if (a < 0) return;
    const { sr, gr } = this.regs;
    const vram = this.host.vram;
    if (sr[SR_MEMORY_MODE]! & SR04_CHN_4M) {
      // chain 4: byte a goes to plane a & 3
      const mask = 1 << (a & 3);
      if (sr[SR_PLANE_WRITE]! & mask && a < vram.length) {
        vram[a] = val;
        this.planeUpdated |= mask;
        this.dirty.mark(a);
        this.onWrite?.();
      }
      return;
    }
    if (gr[GR_MODE]! & 0x10) {
      // odd/even (text mode mapping)
      const plane = (gr[GR_PLANE_READ]! & 2) | (a & 1);
      const mask = 1 << plane;
      const o = ((a & ~1) << 1) | plane;
      if (sr[SR_PLANE_WRITE]! & mask && o < vram.length) {
        vram[o] = val;
        this.planeUpdated |= mask;
        this.dirty.mark(o);
        this.onWrite?.();
      }
      return;
    }
    const vram32 = this.host.vram32;
    if (a >= vram32.length) return;
    // standard latched access
    let v: number;
    let bitMask: number;
    const rotate = gr[GR_DATA_ROTATE]! & 7;
    switch (gr[GR_MODE]! & 3) {
      case 0: {
        v = ((val >>> rotate) | (val << (8 - rotate))) & 0xff;
        v = (v | (v << 8) | (v << 16) | (v << 24)) >>> 0;
        const setMask = mask16(gr[GR_SR_ENABLE]!);
        v = ((v & ~setMask) | (mask16(gr[GR_SR_VALUE]!) & setMask)) >>> 0;
        bitMask = gr[GR_BIT_MASK]!;
        break;
      }
      case 1:
        v = this.latch;
        bitMask = -1;
        break;
      case 2:
        v = mask16(val & 0x0f);
        bitMask = gr[GR_BIT_MASK]!;
        break;
      default: {
        // write mode 3: the rotated data ANDed with the bit mask selects which bits get set/reset
        const r = ((val >>> rotate) | (val << (8 - rotate))) & 0xff;
        bitMask = gr[GR_BIT_MASK]! & r;
        v = mask16(gr[GR_SR_VALUE]!);
      }
    }
    if (bitMask !== -1) {
      // logical function (GR03 bits 3-4), then the bit mask picks data or latch per pixel
      switch (gr[GR_DATA_ROTATE]! >> 3) {
        case 1:
          v &= this.latch;
          break;
        case 2:
          v |= this.latch;
          break;
        case 3:
          v ^= this.latch;
          break;
      }
      bitMask &= 0xff;
      const bm = (bitMask | (bitMask << 8) | (bitMask << 16) | (bitMask << 24)) >>> 0;
      v = ((v & bm) | (this.latch & ~bm)) >>> 0;
    }
    const planes = sr[SR_PLANE_WRITE]! & 0x0f;
    this.planeUpdated |= planes;
    const wm = mask16(planes);
    const old = vram32[a]!;
    vram32[a] = ((old & ~wm) | (v & wm)) >>> 0;
    this.dirty.mark(a << 2, 4);
    this.onWrite?.();
  }
}
