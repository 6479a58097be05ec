// The VGA register file as QEMU's stdvga exposes it on ports 0x3B0-0x3DF: Miscellaneous Output,
// Sequencer, Graphics Controller, Attribute Controller (index/data flip-flop), CRTC and the DAC.
// @see QEMU hw/display/vga.c vga_ioport_read / vga_ioport_write; FreeVGA "VGA Registers"
import type { PortBus } from '../hypervisor/io.js';

export const VGA_ATT_W = 0x3c0; // attribute index/data (write), index (read)
export const VGA_ATT_R = 0x3c1; // attribute data (read)
export const VGA_MIS_W = 0x3c2; // misc output (write), input status 0 (read)
export const VGA_SEQ_I = 0x3c4;
export const VGA_SEQ_D = 0x3c5;
export const VGA_PEL_MSK = 0x3c6;
export const VGA_PEL_IR = 0x3c7; // DAC read index (write), DAC state (read)
export const VGA_PEL_IW = 0x3c8;
export const VGA_PEL_D = 0x3c9;
export const VGA_FTC_R = 0x3ca; // feature control (read)
export const VGA_MIS_R = 0x3cc; // misc output (read)
export const VGA_GFX_I = 0x3ce;
export const VGA_GFX_D = 0x3cf;
export const VGA_CRT_IM = 0x3b4;
export const VGA_CRT_DM = 0x3b5;
export const VGA_IS1_RM = 0x3ba;
export const VGA_CRT_IC = 0x3d4;
export const VGA_CRT_DC = 0x3d5;
export const VGA_IS1_RC = 0x3da; // input status 1 (read), feature control (write)

/** Misc output bit 0: I/O address select (colour: CRTC at 0x3D4, else mono at 0x3B4). */
export const VGA_MIS_COLOR = 0x01;

// sequencer
export const SR_CLOCK_MODE = 0x01;
export const SR_PLANE_WRITE = 0x02;
export const SR_CHARACTER_MAP = 0x03;
export const SR_MEMORY_MODE = 0x04;
export const SR01_CHAR_CLK_8DOTS = 0x01;
export const SR01_SCREEN_OFF = 0x20;
export const SR04_CHN_4M = 0x08;
// graphics controller
export const GR_SR_VALUE = 0x00;
export const GR_SR_ENABLE = 0x01;
export const GR_COMPARE_VALUE = 0x02;
export const GR_DATA_ROTATE = 0x03;
export const GR_PLANE_READ = 0x04;
export const GR_MODE = 0x05;
export const GR_MISC = 0x06;
export const GR_COMPARE_MASK = 0x07;
export const GR_BIT_MASK = 0x08;
export const GR06_GRAPHICS_MODE = 0x01;
// attribute controller
export const AR_MODE = 0x10;
export const AR_OVERSCAN = 0x11;
export const AR_PLANE_ENABLE = 0x12;
export const AR_PEL_PANNING = 0x13;
export const AR_COLOR_PAGE = 0x14;
export const AR_INDEX_PAS = 0x20; // palette address source: set = the display reads the palette
// CRTC
export const CR_H_DISP = 0x01;
export const CR_OVERFLOW = 0x07;
export const CR_PRESET_ROW = 0x08;
export const CR_MAX_SCAN = 0x09;
export const CR_CURSOR_START = 0x0a;
export const CR_CURSOR_END = 0x0b;
export const CR_START_HI = 0x0c;
export const CR_START_LO = 0x0d;
export const CR_CURSOR_HI = 0x0e;
export const CR_CURSOR_LO = 0x0f;
export const CR_V_SYNC_END = 0x11;
export const CR_V_DISP_END = 0x12;
export const CR_OFFSET = 0x13;
export const CR_MODE = 0x17;
export const CR_LINE_COMPARE = 0x18;
export const CR11_LOCK_CR0_CR7 = 0x80;

/** Writable bits of each sequencer register (QEMU sr_mask). */
const SR_MASK = [0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff];
/** Writable bits of each graphics controller register (QEMU gr_mask). */
const GR_MASK = [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff, 0, 0, 0, 0, 0, 0, 0];

/** Which part of the register file a write touched (for the device's change bookkeeping). */
export type RegisterChange = 'mode' | 'palette' | 'cursor' | 'start' | 'font' | 'memory-access';

const ST01_V_RETRACE = 0x08;
const ST01_DISP_ENABLE = 0x01;

export class VgaRegisters {
  msr = 0;
  fcr = 0;
  st00 = 0;
  st01 = 0;
  srIndex = 0;
  readonly sr = new Uint8Array(8);
  grIndex = 0;
  readonly gr = new Uint8Array(16);
  arIndex = 0;
  readonly ar = new Uint8Array(21);
  arFlipFlop = 0;
  crIndex = 0;
  readonly cr = new Uint8Array(256);
  /** DAC: 256 × (r, g, b), 6 bits each unless VBE's 8-bit DAC flag is set (stored as written, like QEMU). */
  readonly palette = new Uint8Array(768);
  dacState = 0;
  dacSubIndex = 0;
  dacReadIndex = 0;
  dacWriteIndex = 0;
  readonly dacCache = new Uint8Array(3);
  /** The pixel mask at 0x3C6 (QEMU keeps it but never applies it; neither do we). */
  pelMask = 0xff;
  /** Called after every write that may change what is displayed or how memory is accessed. */
  onChange: ((what: RegisterChange) => void) | null = null;

  /** Claim ports 0x3B0-0x3DF on the bus; 16-bit accesses are two byte accesses (index, then data). */
  attach(io: PortBus): void {
    const ports: number[] = [];
    for (let p = 0x3b0; p <= 0x3df; p++) ports.push(p);
    io.register(ports, {
      read: (port, size) => (size === 1 ? this.read(port) : this.read(port) | (this.read(port + 1) << 8)),
      write: (port, size, v) => {
        this.write(port, v & 0xff);
        if (size === 2) this.write(port + 1, (v >>> 8) & 0xff);
      },
    });
  }

  /** Whether port addr is disabled by the colour/mono select (vga_ioport_invalid). */
  #invalid(addr: number): boolean {
    if (this.msr & VGA_MIS_COLOR) return addr >= 0x3b0 && addr <= 0x3bf;
    return addr >= 0x3d0 && addr <= 0x3df;
  }

  read(addr: number): number {
    if (this.#invalid(addr)) return 0xff;
    switch (addr) {
      case VGA_ATT_W:
        return this.arFlipFlop === 0 ? this.arIndex : 0;
      case VGA_ATT_R: {
        const i = this.arIndex & 0x1f;
        return i < 21 ? this.ar[i]! : 0;
      }
      case VGA_MIS_W:
        return this.st00;
      case VGA_SEQ_I:
        return this.srIndex;
      case VGA_SEQ_D:
        return this.sr[this.srIndex]!;
      case VGA_PEL_MSK:
        return this.pelMask;
      case VGA_PEL_IR:
        return this.dacState;
      case VGA_PEL_IW:
        return this.dacWriteIndex;
      case VGA_PEL_D: {
        const v = this.palette[this.dacReadIndex * 3 + this.dacSubIndex]!;
        if (++this.dacSubIndex === 3) {
          this.dacSubIndex = 0;
          this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
        }
        return v;
      }
      case VGA_FTC_R:
        return this.fcr;
      case VGA_MIS_R:
        return this.msr;
      case VGA_GFX_I:
        return this.grIndex;
      case VGA_GFX_D:
        return this.gr[this.grIndex]!;
      case VGA_CRT_IM:
      case VGA_CRT_IC:
        return this.crIndex;
      case VGA_CRT_DM:
      case VGA_CRT_DC:
        return this.cr[this.crIndex]!;
      case VGA_IS1_RM:
      case VGA_IS1_RC:
        // toggle retrace bits so polling loops terminate; reading resets the attribute flip-flop
        this.st01 ^= ST01_V_RETRACE | ST01_DISP_ENABLE;
        this.arFlipFlop = 0;
        return this.st01;
      default:
        return 0x00;
    }
  }

  write(addr: number, val: number): void {
    if (this.#invalid(addr)) return;
    val &= 0xff;
    switch (addr) {
      case VGA_ATT_W:
        if (this.arFlipFlop === 0) {
          const was = this.arIndex & AR_INDEX_PAS;
          this.arIndex = val & 0x3f;
          if ((this.arIndex & AR_INDEX_PAS) !== was) this.onChange?.('mode');
        } else {
          const i = this.arIndex & 0x1f;
          if (i <= 0x0f) this.ar[i] = val & 0x3f;
          else if (i === AR_MODE) this.ar[i] = val & ~0x10;
          else if (i === AR_OVERSCAN) this.ar[i] = val;
          else if (i === AR_PLANE_ENABLE) this.ar[i] = val & ~0xc0;
          else if (i === AR_PEL_PANNING) this.ar[i] = val & ~0xf0;
          else if (i === AR_COLOR_PAGE) this.ar[i] = val & ~0xf0;
          if (i <= AR_COLOR_PAGE) this.onChange?.(i <= 0x0f || i === AR_COLOR_PAGE ? 'palette' : 'mode');
        }
        this.arFlipFlop ^= 1;
        return;
      case VGA_MIS_W:
        this.msr = val & ~0x10;
        this.onChange?.('mode');
        return;
      case VGA_SEQ_I:
        this.srIndex = val & 7;
        return;
      case VGA_SEQ_D:
        this.sr[this.srIndex] = val & SR_MASK[this.srIndex]!;
        this.onChange?.(this.srIndex === SR_CHARACTER_MAP ? 'font' : this.srIndex === SR_PLANE_WRITE ? 'memory-access' : 'mode');
        return;
      case VGA_PEL_MSK:
        this.pelMask = val;
        return;
      case VGA_PEL_IR:
        this.dacReadIndex = val;
        this.dacSubIndex = 0;
        this.dacState = 3;
        return;
      case VGA_PEL_IW:
        this.dacWriteIndex = val;
        this.dacSubIndex = 0;
        this.dacState = 0;
        return;
      case VGA_PEL_D:
        this.dacCache[this.dacSubIndex] = val;
        if (++this.dacSubIndex === 3) {
          this.palette.set(this.dacCache, this.dacWriteIndex * 3);
          this.dacSubIndex = 0;
          this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
          this.onChange?.('palette');
        }
        return;
      case VGA_GFX_I:
        this.grIndex = val & 0x0f;
        return;
      case VGA_GFX_D:
        this.gr[this.grIndex] = val & GR_MASK[this.grIndex]!;
        this.onChange?.(this.grIndex === GR_MISC || this.grIndex === GR_MODE ? 'mode' : 'memory-access');
        return;
      case VGA_CRT_IM:
      case VGA_CRT_IC:
        this.crIndex = val;
        return;
      case VGA_CRT_DM:
      case VGA_CRT_DC: {
        const i = this.crIndex;
        // CR0-CR7 are write-protected while CR11 bit 7 is set, except CR7 bit 4 (line compare bit 8)
        if (this.cr[CR_V_SYNC_END]! & CR11_LOCK_CR0_CR7 && i <= CR_OVERFLOW) {
          if (i === CR_OVERFLOW) {
            this.cr[CR_OVERFLOW] = (this.cr[CR_OVERFLOW]! & ~0x10) | (val & 0x10);
            this.onChange?.('mode');
          }
          return;
        }
        this.cr[i] = val;
        if (i >= CR_CURSOR_START && i <= CR_CURSOR_LO && i !== CR_START_HI && i !== CR_START_LO) this.onChange?.('cursor');
        else if (i === CR_START_HI || i === CR_START_LO || i === CR_PRESET_ROW) this.onChange?.('start');
        else this.onChange?.('mode');
        return;
      }
      case VGA_IS1_RM:
      case VGA_IS1_RC:
        this.fcr = val & 0x10;
        return;
      default:
        return;
    }
  }

  // ----- derived values the renderers need -----

  /** Bytes (of the 4-plane VRAM) from one character row / scanline to the next: CR13 × 8. */
  get lineOffset(): number {
    return this.cr[CR_OFFSET]! << 3;
  }

  /** CRTC start address (in 32-bit VRAM units). */
  get startAddress(): number {
    return this.cr[CR_START_LO]! | (this.cr[CR_START_HI]! << 8);
  }

  get cursorAddress(): number {
    return this.cr[CR_CURSOR_LO]! | (this.cr[CR_CURSOR_HI]! << 8);
  }

  /** Line compare (10 bits: CR18, CR07 bit 4, CR09 bit 6). */
  get lineCompare(): number {
    return this.cr[CR_LINE_COMPARE]! | ((this.cr[CR_OVERFLOW]! & 0x10) << 4) | ((this.cr[CR_MAX_SCAN]! & 0x40) << 3);
  }

  /** Vertical display end + 1: the number of displayed scanlines. */
  get displayedLines(): number {
    const v = this.cr[CR_V_DISP_END]! | ((this.cr[CR_OVERFLOW]! & 0x02) << 7) | ((this.cr[CR_OVERFLOW]! & 0x40) << 3);
    return v + 1;
  }

  /** Horizontal display end + 1: the number of displayed character clocks. */
  get displayedChars(): number {
    return this.cr[CR_H_DISP]! + 1;
  }

  /** Screen refresh rate from the clock select, character width and CRTC totals (Hz). */
  get frameRate(): number {
    const clock = ((this.msr >> 2) & 3) === 1 ? 28_322_000 : 25_175_000;
    const dots = this.sr[SR_CLOCK_MODE]! & SR01_CHAR_CLK_8DOTS ? 8 : 9;
    const htotal = (this.cr[0x00]! + 5) << ((this.sr[SR_CLOCK_MODE]! >> 3) & 1);
    const vtotal = (this.cr[0x06]! | (((this.cr[CR_OVERFLOW]! & 1) | ((this.cr[CR_OVERFLOW]! >> 4) & 2)) << 8)) + 2;
    const hz = clock / dots / htotal / vtotal;
    return Number.isFinite(hz) && hz >= 20 && hz <= 200 ? hz : 70;
  }
}
