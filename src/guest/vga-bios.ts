// The guest's video "firmware": sets VGA modes 03h, 13h, 12h the way a VGA BIOS does (the standard
// register tables written through the ports), loads the 8x16 / 8x8 fonts into plane 2 through the
// legacy window, programs the DAC, and writes text to the 0xB8000 buffer.
// @see FreeVGA "VGA Register Tables"; the IBM VGA BIOS mode parameter tables (modes 03h, 12h, 13h)
import type { PortBus } from '../hypervisor/io.js';
import type { GuestMemory } from '../hypervisor/memory.js';
import { FONT_8X16, FONT_8X8, type BitmapFont } from '../vga/fonts/index.js';
import { VBE_DISPI_DISABLED, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_IOPORT_DATA, VBE_DISPI_IOPORT_INDEX } from '../vga/vbe.js';

export interface VgaModeTable {
  misc: number;
  seq: readonly number[]; // SR00-SR04
  crtc: readonly number[]; // CR00-CR18
  gc: readonly number[]; // GR00-GR08
  ac: readonly number[]; // AR00-AR14
}

/** Mode 03h: 80x25 text, 720x400, 9-dot characters, 16 colours. */
export const MODE_03H: VgaModeTable = {
  misc: 0x67,
  seq: [0x03, 0x00, 0x03, 0x00, 0x02],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff],
  gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff],
  ac: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00],
};

/** Mode 13h: 320x200, 256 colours, chain-4 (shown as 640x400). */
export const MODE_13H: VgaModeTable = {
  misc: 0x63,
  seq: [0x03, 0x01, 0x0f, 0x00, 0x0e],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x0e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff],
  gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff],
  ac: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00],
};

/** Mode 12h: 640x480, 16 colours, 4 planes. */
export const MODE_12H: VgaModeTable = {
  misc: 0xe3,
  seq: [0x03, 0x01, 0x0f, 0x00, 0x06],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xea, 0x0c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff],
  gc: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff],
  ac: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00],
};

export const TEXT_BASE = 0xb8000;
export const GFX_BASE = 0xa0000;

/** The 64-entry EGA palette the BIOS loads into the DAC for 16-colour modes (6-bit components). */
export function egaDac(i: number): [number, number, number] {
  const c = (hi: number, lo: number) => ((i >> hi) & 1) * 0x2a + ((i >> lo) & 1) * 0x15;
  return [c(2, 5), c(1, 4), c(0, 3)];
}

/** A 256-colour DAC: the 16 CGA colours, a 16-step grey ramp, then hue/saturation/brightness ramps. */
export function vga256Dac(i: number): [number, number, number] {
  if (i < 16) return egaDac([0, 1, 2, 3, 4, 5, 0x14, 7, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f][i]!);
  if (i < 32) {
    const g = Math.round(((i - 16) * 63) / 15);
    return [g, g, g];
  }
  if (i >= 248) return [0, 0, 0];
  const k = i - 32; // 216 = 9 blocks of 24 hues (3 brightness × 3 saturation)
  const block = Math.floor(k / 24);
  const hue = (k % 24) / 24;
  const bright = [63, 28, 16][Math.floor(block / 3)]!;
  const sat = [1, 0.5, 0.3][block % 3]!;
  const h6 = hue * 6;
  const f = (n: number) => {
    const x = Math.max(0, Math.min(1, Math.abs(((h6 + n) % 6) - 3) - 1));
    return Math.round(bright * (1 - sat + sat * x));
  };
  return [f(0), f(4), f(2)];
}

export class VgaBios {
  constructor(readonly io: PortBus, readonly mem: GuestMemory) {}

  /** Disable VBE (back to VGA), as the BIOS does before a legacy mode set. */
  disableVbe(): void {
    this.io.outw(VBE_DISPI_IOPORT_INDEX, VBE_DISPI_INDEX_ENABLE);
    this.io.outw(VBE_DISPI_IOPORT_DATA, VBE_DISPI_DISABLED);
  }

  /** Program a mode from its register table (INT 10h AH=00h's register part). */
  loadRegisters(t: VgaModeTable): void {
    const io = this.io;
    io.outb(0x3c2, t.misc);
    // sequencer: synchronous reset while the clocking changes
    io.outw(0x3c4, 0x0100);
    for (let i = 1; i < t.seq.length; i++) io.outw(0x3c4, i | (t.seq[i]! << 8));
    io.outw(0x3c4, 0x0300);
    // CRTC: unlock CR0-7 (clear CR11 bit 7) first, then write all of them
    io.outw(0x3d4, 0x11 | ((t.crtc[0x11]! & 0x7f) << 8));
    for (let i = 0; i < t.crtc.length; i++) io.outw(0x3d4, i | (t.crtc[i]! << 8));
    for (let i = 0; i < t.gc.length; i++) io.outw(0x3ce, i | (t.gc[i]! << 8));
    // attribute controller: reset the flip-flop, index/data pairs with the palette source off
    io.inb(0x3da);
    for (let i = 0; i < t.ac.length; i++) {
      io.outb(0x3c0, i);
      io.outb(0x3c0, t.ac[i]!);
    }
  }

  /** Turn the display on: palette address source set (the attribute controller drives the screen). */
  enableDisplay(): void {
    this.io.inb(0x3da);
    this.io.outb(0x3c0, 0x20);
  }

  /** Write count DAC entries from index `first`. */
  setDac(first: number, colours: readonly (readonly [number, number, number])[]): void {
    this.io.outb(0x3c8, first);
    for (const [r, g, b] of colours) {
      this.io.outb(0x3c9, r);
      this.io.outb(0x3c9, g);
      this.io.outb(0x3c9, b);
    }
  }

  /** Load a font into plane 2 (INT 10h AX=1110h): planar access to plane 2 only, then text mapping again. */
  loadFont(font: BitmapFont, map = 0): void {
    const io = this.io;
    io.outw(0x3c4, 0x0100); // synchronous reset
    io.outw(0x3c4, 0x0402); // write plane 2 only
    io.outw(0x3c4, 0x0704); // sequential addressing, extended memory
    io.outw(0x3c4, 0x0300);
    io.outw(0x3ce, 0x0204); // read plane 2
    io.outw(0x3ce, 0x0005); // write mode 0, no odd/even
    io.outw(0x3ce, 0x0406); // map A0000-AFFFF, text
    const base = GFX_BASE + map * 0x4000;
    for (let c = 0; c < 256; c++) {
      for (let y = 0; y < 32; y++) this.mem.store8(base + c * 32 + y, y < font.height ? font.data[c * font.height + y]! : 0);
    }
    io.outw(0x3c4, 0x0100);
    io.outw(0x3c4, 0x0302); // planes 0 and 1
    io.outw(0x3c4, 0x0304); // odd/even, extended memory
    io.outw(0x3c4, 0x0300);
    io.outw(0x3ce, 0x0004);
    io.outw(0x3ce, 0x1005); // odd/even
    io.outw(0x3ce, 0x0e06); // map B8000-BFFFF, text
  }

  /** Mode 03h with the 8x16 font: 80x25 text. */
  setMode03(): void {
    this.disableVbe();
    this.loadRegisters(MODE_03H);
    this.setDac(0, Array.from({ length: 64 }, (_, i) => egaDac(i)));
    this.loadFont(FONT_8X16);
    this.clearText(0x07);
    this.setCursorShape(0x0d, 0x0e);
    this.setCursor(0, 0);
    this.enableDisplay();
  }

  /** INT 10h AX=1112h after mode 03h: the 8x8 font and 50 rows. */
  setMode03x50(): void {
    this.setMode03();
    this.loadFont(FONT_8X8);
    this.io.outw(0x3d4, 0x09 | (0x47 << 8)); // 8 scanlines per character row (keep line compare bit 9)
    this.setCursorShape(0x06, 0x07);
    this.clearText(0x07, 80 * 50);
  }

  setMode13(): void {
    this.disableVbe();
    this.loadRegisters(MODE_13H);
    this.setDac(0, Array.from({ length: 256 }, (_, i) => vga256Dac(i)));
    this.mem.fill8(GFX_BASE, 0x10000, 0); // the BIOS clears the screen (through the window)
    this.enableDisplay();
  }

  setMode12(): void {
    this.disableVbe();
    this.loadRegisters(MODE_12H);
    this.setDac(0, Array.from({ length: 64 }, (_, i) => egaDac(i)));
    // clear all four planes: set/reset to 0 through write mode 0 with all planes enabled
    this.io.outw(0x3c4, 0x0f02);
    this.io.outw(0x3ce, 0x0f01);
    this.io.outw(0x3ce, 0x0000);
    this.mem.fill8(GFX_BASE, 80 * 480, 0);
    this.io.outw(0x3ce, 0x0001);
    this.enableDisplay();
  }

  /** Fill the text buffer with blanks in attribute attr. */
  clearText(attr: number, cells = 80 * 25): void {
    for (let i = 0; i < cells; i++) this.mem.store16(TEXT_BASE + i * 2, 0x20 | (attr << 8));
  }

  setCursorShape(start: number, end: number): void {
    this.io.outw(0x3d4, 0x0a | (start << 8));
    this.io.outw(0x3d4, 0x0b | (end << 8));
  }

  hideCursor(): void {
    this.io.outw(0x3d4, 0x0a | (0x20 << 8));
  }

  setCursor(col: number, row: number, cols = 80): void {
    const pos = row * cols + col;
    this.io.outw(0x3d4, 0x0e | ((pos >> 8) << 8));
    this.io.outw(0x3d4, 0x0f | ((pos & 0xff) << 8));
  }

  /** Write a string of CP437 characters at (col, row) in attribute attr. */
  puts(col: number, row: number, text: string, attr: number, cols = 80): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i) & 0xff;
      this.mem.store16(TEXT_BASE + (row * cols + col + i) * 2, c | (attr << 8));
    }
  }

  /** Fill a rectangle of cells with one character and attribute. */
  fill(col: number, row: number, w: number, h: number, ch: number, attr: number, cols = 80): void {
    for (let y = row; y < row + h; y++) for (let x = col; x < col + w; x++) this.mem.store16(TEXT_BASE + (y * cols + x) * 2, ch | (attr << 8));
  }

  /** Draw a double-line box (CP437 box drawing) with a title. */
  box(col: number, row: number, w: number, h: number, attr: number, title = ''): void {
    this.fill(col, row, w, h, 0x20, attr);
    this.fill(col + 1, row, w - 2, 1, 0xcd, attr);
    this.fill(col + 1, row + h - 1, w - 2, 1, 0xcd, attr);
    this.fill(col, row + 1, 1, h - 2, 0xba, attr);
    this.fill(col + w - 1, row + 1, 1, h - 2, 0xba, attr);
    this.puts(col, row, '\xc9', attr);
    this.puts(col + w - 1, row, '\xbb', attr);
    this.puts(col, row + h - 1, '\xc8', attr);
    this.puts(col + w - 1, row + h - 1, '\xbc', attr);
    if (title) this.puts(col + Math.floor((w - title.length - 2) / 2), row, ` ${title} `, attr);
  }
}
