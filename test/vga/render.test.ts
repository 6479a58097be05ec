// Exact pixel rules: the 9th column, the cursor, colour conversions (QEMU c6_to_8, 15/16 bpp).
import { describe, expect, it } from 'vitest';
import { bareDevice } from './helpers.js';
import { c6to8 } from '../../src/vga/dac.js';
import { setVbeMode } from '../../src/guest/guest.js';
import { LFB_BASE } from '../../src/hypervisor/memory.js';

describe('text rendering rules', () => {
  it('extends characters 0xC0-0xDF into the 9th column, and only those', () => {
    const d = bareDevice();
    d.bios.setMode03();
    d.bios.hideCursor();
    d.bios.puts(0, 0, '\xc4\xb3\xdf\xe0', 0x0f); // ─ (C4), │ (B3), ▀ (DF), α (E0)
    const s = d.device.screenshot();
    const px = (x: number, y: number) => s.data[y * s.width + x]!;
    const white = 0xffffff;
    // ─ : its middle row lit in column 7 and (line graphics) column 8
    const mid = [...Array(16).keys()].find((y) => px(4, y) === white)!;
    expect(px(7, mid)).toBe(white);
    expect(px(8, mid)).toBe(white);
    // ▀ (0xDF) is line graphics too; 0xB3 and 0xE0 are not: their 9th column stays background
    expect(px(18 + 8, 0) === px(18 + 7, 0)).toBe(true);
    for (let y = 0; y < 16; y++) {
      expect(px(9 + 8, y)).toBe(0);
      expect(px(27 + 8, y)).toBe(0);
    }
  });

  it('without line graphics enabled the 9th column is always background', () => {
    const d = bareDevice();
    d.bios.setMode03();
    d.bios.hideCursor();
    d.io.inb(0x3da);
    d.io.outb(0x3c0, 0x10);
    d.io.outb(0x3c0, 0x08); // mode control: blink, no line graphics
    d.io.outb(0x3c0, 0x20);
    d.bios.puts(0, 0, '\xdb', 0x0f);
    const s = d.device.screenshot();
    for (let y = 0; y < 16; y++) expect(s.data[y * s.width + 8]).toBe(0);
  });

  it('draws the cursor in the cell foreground over its start..end scanlines', () => {
    const d = bareDevice();
    d.bios.setMode03();
    d.bios.puts(3, 2, ' ', 0x1e);
    d.bios.setCursor(3, 2);
    d.bios.setCursorShape(2, 4);
    const s = d.device.screenshot(); // time 0: cursor on
    const yellow = (c6to8(0x3f) << 16) | (c6to8(0x3f) << 8) | c6to8(0x15);
    const blue = c6to8(0x2a);
    for (let y = 0; y < 16; y++) {
      const p = s.data[(32 + y) * s.width + 27 + 4];
      expect(p).toBe(y >= 2 && y <= 4 ? yellow : blue);
    }
  });

  it('skips a cursor outside the screen or disabled by CR0A bit 5', () => {
    const d = bareDevice();
    d.bios.setMode03();
    d.bios.setCursor(0, 30);
    const a = d.device.screenshot();
    d.bios.setCursor(0, 0);
    d.bios.hideCursor();
    const b = d.device.screenshot();
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });
});

describe('colour conversions', () => {
  it('expands 6-bit DAC values as QEMU c6_to_8 does', () => {
    expect([0, 1, 0x15, 0x2a, 0x3f].map(c6to8)).toEqual([0x00, 0x07, 0x57, 0xa8, 0xff]);
  });

  it('converts 15 and 16 bpp pixels by shifting, without replicating high bits', () => {
    for (const [bpp, pixel, expected] of [
      [15, 0x7fff, 0xf8f8f8],
      [15, 0x4210, 0x808080],
      [16, 0xffff, 0xf8fcf8],
      [16, 0x0821, 0x080408],
    ] as const) {
      const d = bareDevice();
      setVbeMode(d.io, 8, 8, bpp);
      d.mem.store16(LFB_BASE, pixel);
      expect(d.device.screenshot().data[0]).toBe(expected);
    }
  });

  it('24 bpp is B, G, R in memory; 32 bpp ignores the top byte', () => {
    const d = bareDevice();
    setVbeMode(d.io, 8, 8, 24);
    d.mem.store8(LFB_BASE, 0x11);
    d.mem.store8(LFB_BASE + 1, 0x22);
    d.mem.store8(LFB_BASE + 2, 0x33);
    expect(d.device.screenshot().data[0]).toBe(0x332211);
    setVbeMode(d.io, 8, 8, 32);
    d.mem.store32(LFB_BASE, 0xff445566);
    expect(d.device.screenshot().data[0]).toBe(0x445566);
  });
});
