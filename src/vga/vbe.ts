// The Bochs VBE "DISPI" interface (ports 0x1CE index / 0x1CF data) as QEMU's stdvga implements it.
// @see QEMU hw/display/vga.c vbe_ioport_write_data / vbe_fixup_regs; Bochs vbe.h
import type { PortBus } from '../hypervisor/io.js';

export const VBE_DISPI_IOPORT_INDEX = 0x1ce;
export const VBE_DISPI_IOPORT_DATA = 0x1cf;

export const VBE_DISPI_INDEX_ID = 0x0;
export const VBE_DISPI_INDEX_XRES = 0x1;
export const VBE_DISPI_INDEX_YRES = 0x2;
export const VBE_DISPI_INDEX_BPP = 0x3;
export const VBE_DISPI_INDEX_ENABLE = 0x4;
export const VBE_DISPI_INDEX_BANK = 0x5;
export const VBE_DISPI_INDEX_VIRT_WIDTH = 0x6;
export const VBE_DISPI_INDEX_VIRT_HEIGHT = 0x7;
export const VBE_DISPI_INDEX_X_OFFSET = 0x8;
export const VBE_DISPI_INDEX_Y_OFFSET = 0x9;
export const VBE_DISPI_INDEX_VIDEO_MEMORY_64K = 0xa;
export const VBE_DISPI_INDEX_NB = 0xb;

export const VBE_DISPI_ID0 = 0xb0c0;
export const VBE_DISPI_ID5 = 0xb0c5;

export const VBE_DISPI_DISABLED = 0x00;
export const VBE_DISPI_ENABLED = 0x01;
export const VBE_DISPI_GETCAPS = 0x02;
export const VBE_DISPI_8BIT_DAC = 0x20;
export const VBE_DISPI_LFB_ENABLED = 0x40;
export const VBE_DISPI_NOCLEARMEM = 0x80;

export const VBE_DISPI_MAX_XRES = 2560;
export const VBE_DISPI_MAX_YRES = 1600;
export const VBE_DISPI_MAX_BPP = 32;

/** The linear mode the VBE registers describe, after clamping. */
export interface VbeMode {
  width: number;
  height: number;
  /** 8, 15, 16, 24 or 32 (15 is stored as 16 bits per pixel). */
  bpp: number;
  bytesPerPixel: number;
  /** Bytes per scanline (virtual width × bytes per pixel). */
  stride: number;
  /** VRAM byte offset of the top-left visible pixel. */
  startByte: number;
}

/**
 * Program a VBE linear mode through the DISPI ports, as a Bochs/QEMU-aware driver does; with
 * keepVram the enable write sets NOCLEARMEM (a resize that keeps the picture).
 */
export function setVbeMode(io: PortBus, width: number, height: number, bpp: number, keepVram = false): void {
  const reg = (index: number, value: number) => {
    io.outw(VBE_DISPI_IOPORT_INDEX, index);
    io.outw(VBE_DISPI_IOPORT_DATA, value);
  };
  reg(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_DISABLED);
  reg(VBE_DISPI_INDEX_XRES, width);
  reg(VBE_DISPI_INDEX_YRES, height);
  reg(VBE_DISPI_INDEX_BPP, bpp);
  reg(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED | (keepVram ? VBE_DISPI_NOCLEARMEM : 0));
}

export class VbeRegisters {
  readonly regs = new Uint16Array(VBE_DISPI_INDEX_NB);
  index = 0;
  /** Called when the mode, panning or enable state changes. */
  onModeChange: (() => void) | null = null;
  /** Called when VBE goes from disabled to enabled, after the fixup (QEMU then reprograms the VGA). */
  onEnable: (() => void) | null = null;
  /** Called when the bank register changes. */
  onBankChange: (() => void) | null = null;
  /** Called for a clear of VRAM on enable (unless NOCLEARMEM). */
  onClearVram: ((bytes: number) => void) | null = null;

  constructor(readonly vramSize: number) {
    this.regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    this.regs[VBE_DISPI_INDEX_VIDEO_MEMORY_64K] = Math.min(0xffff, vramSize >>> 16);
  }

  get enabled(): boolean {
    return (this.regs[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_ENABLED) !== 0;
  }

  get dac8bit(): boolean {
    return (this.regs[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_8BIT_DAC) !== 0;
  }

  readIndex(): number {
    return this.index;
  }

  writeIndex(v: number): void {
    this.index = v & 0xffff;
  }

  readData(): number {
    const i = this.index;
    if (i >= VBE_DISPI_INDEX_NB) return 0;
    if (this.regs[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_GETCAPS) {
      if (i === VBE_DISPI_INDEX_XRES) return VBE_DISPI_MAX_XRES;
      if (i === VBE_DISPI_INDEX_YRES) return VBE_DISPI_MAX_YRES;
      if (i === VBE_DISPI_INDEX_BPP) return VBE_DISPI_MAX_BPP;
    }
    if (i === VBE_DISPI_INDEX_VIDEO_MEMORY_64K) return Math.min(0xffff, this.vramSize >>> 16);
    return this.regs[i]!;
  }

  writeData(v: number): void {
    v &= 0xffff;
    const r = this.regs;
    const i = this.index;
    switch (i) {
      case VBE_DISPI_INDEX_ID:
        if (v >= VBE_DISPI_ID0 && v <= VBE_DISPI_ID5) r[i] = v;
        return;
      case VBE_DISPI_INDEX_XRES:
      case VBE_DISPI_INDEX_YRES:
      case VBE_DISPI_INDEX_BPP:
      case VBE_DISPI_INDEX_VIRT_WIDTH:
      case VBE_DISPI_INDEX_X_OFFSET:
      case VBE_DISPI_INDEX_Y_OFFSET:
        r[i] = v;
        this.#fixup();
        this.onModeChange?.();
        return;
      case VBE_DISPI_INDEX_BANK:
        r[i] = v & (Math.max(1, this.vramSize >>> 16) - 1);
        this.onBankChange?.();
        return;
      case VBE_DISPI_INDEX_ENABLE: {
        const wasEnabled = this.enabled;
        r[i] = v & (VBE_DISPI_ENABLED | VBE_DISPI_GETCAPS | VBE_DISPI_8BIT_DAC | VBE_DISPI_LFB_ENABLED | VBE_DISPI_NOCLEARMEM);
        if (this.enabled && !wasEnabled) {
          r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES]!;
          r[VBE_DISPI_INDEX_X_OFFSET] = 0;
          r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
          this.#fixup();
          if (!(v & VBE_DISPI_NOCLEARMEM)) {
            const m = this.mode();
            if (m) this.onClearVram?.(m.stride * r[VBE_DISPI_INDEX_YRES]!);
          }
          this.onEnable?.();
        }
        this.onModeChange?.();
        return;
      }
      default:
        return; // VIRT_HEIGHT is computed; the rest is read-only
    }
  }

  /** Bits per pixel as stored in VRAM, after QEMU's depth check. */
  #bits(): number {
    switch (this.regs[VBE_DISPI_INDEX_BPP]) {
      case 4:
      case 8:
      case 16:
      case 24:
      case 32:
        return this.regs[VBE_DISPI_INDEX_BPP]!;
      case 15:
        return 16;
      default:
        return 8;
    }
  }

  /** Clamp the registers so the mode is legal and fits VRAM (vbe_fixup_regs). */
  #fixup(): void {
    const r = this.regs;
    if (!this.enabled) return;
    const bpp = r[VBE_DISPI_INDEX_BPP]!;
    if (![4, 8, 15, 16, 24, 32].includes(bpp)) r[VBE_DISPI_INDEX_BPP] = 8;
    const bits = this.#bits();
    r[VBE_DISPI_INDEX_XRES]! &= ~7;
    if (r[VBE_DISPI_INDEX_XRES] === 0) r[VBE_DISPI_INDEX_XRES] = 8;
    if (r[VBE_DISPI_INDEX_XRES]! > VBE_DISPI_MAX_XRES) r[VBE_DISPI_INDEX_XRES] = VBE_DISPI_MAX_XRES;
    r[VBE_DISPI_INDEX_VIRT_WIDTH]! &= ~7;
    if (r[VBE_DISPI_INDEX_VIRT_WIDTH]! > VBE_DISPI_MAX_XRES) r[VBE_DISPI_INDEX_VIRT_WIDTH] = VBE_DISPI_MAX_XRES;
    if (r[VBE_DISPI_INDEX_VIRT_WIDTH]! < r[VBE_DISPI_INDEX_XRES]!) r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES]!;
    const lineLength = Math.ceil((r[VBE_DISPI_INDEX_VIRT_WIDTH]! * bits) / 8);
    const maxY = Math.floor(this.vramSize / lineLength);
    if (r[VBE_DISPI_INDEX_YRES] === 0) r[VBE_DISPI_INDEX_YRES] = 1;
    if (r[VBE_DISPI_INDEX_YRES]! > VBE_DISPI_MAX_YRES) r[VBE_DISPI_INDEX_YRES] = VBE_DISPI_MAX_YRES;
    if (r[VBE_DISPI_INDEX_YRES]! > maxY) r[VBE_DISPI_INDEX_YRES] = maxY;
    if (r[VBE_DISPI_INDEX_X_OFFSET]! > VBE_DISPI_MAX_XRES) r[VBE_DISPI_INDEX_X_OFFSET] = VBE_DISPI_MAX_XRES;
    if (r[VBE_DISPI_INDEX_Y_OFFSET]! > VBE_DISPI_MAX_YRES) r[VBE_DISPI_INDEX_Y_OFFSET] = VBE_DISPI_MAX_YRES;
    let offset = Math.floor((r[VBE_DISPI_INDEX_X_OFFSET]! * bits) / 8) + r[VBE_DISPI_INDEX_Y_OFFSET]! * lineLength;
    if (offset + r[VBE_DISPI_INDEX_YRES]! * lineLength > this.vramSize) {
      r[VBE_DISPI_INDEX_X_OFFSET] = 0;
      r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    }
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = Math.min(0xffff, maxY);
  }

  /** The 64 KiB bank shown at 0xA0000 (memory map 1), as a VRAM byte offset. */
  get bankOffset(): number {
    return this.enabled ? this.regs[VBE_DISPI_INDEX_BANK]! << 16 : 0;
  }

  /** The current linear mode, or null while VBE is disabled. */
  mode(): VbeMode | null {
    if (!this.enabled) return null;
    const r = this.regs;
    const bpp = r[VBE_DISPI_INDEX_BPP] === 15 ? 15 : this.#bits();
    const bits = this.#bits();
    const stride = Math.ceil((r[VBE_DISPI_INDEX_VIRT_WIDTH]! * bits) / 8);
    // QEMU keeps the start address in 32-bit units (vbe_start_addr = offset / 4)
    const startByte = (Math.floor((r[VBE_DISPI_INDEX_X_OFFSET]! * bits) / 8) + r[VBE_DISPI_INDEX_Y_OFFSET]! * stride) & ~3;
    return {
      width: r[VBE_DISPI_INDEX_XRES]!,
      height: r[VBE_DISPI_INDEX_YRES]!,
      bpp,
      bytesPerPixel: Math.max(1, bits >> 3),
      stride,
      startByte,
    };
  }
}
