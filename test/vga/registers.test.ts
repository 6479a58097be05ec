import { describe, expect, it } from 'vitest';
import { bareDevice } from './helpers.js';

describe('VGA registers (QEMU stdvga port behaviour)', () => {
  it('the attribute flip-flop alternates index and data, and reading 0x3DA resets it to index', () => {
    const { io, device } = bareDevice();
    io.outb(0x3c2, 0x01); // colour
    io.inb(0x3da);
    io.outb(0x3c0, 0x05); // index 5
    io.outb(0x3c0, 0x2a); // data
    expect(device.regs.ar[5]).toBe(0x2a);
    io.outb(0x3c0, 0x06); // index 6 (flip-flop back at index)
    io.inb(0x3da); // reset: the next write is an index again
    io.outb(0x3c0, 0x07);
    io.outb(0x3c0, 0x11);
    expect(device.regs.ar[6]).toBe(0);
    expect(device.regs.ar[7]).toBe(0x11);
    expect(io.inb(0x3c0)).toBe(0x07); // index readable while the flip-flop points at the index
    expect(io.inb(0x3c1)).toBe(0x11);
  });

  it('attribute palette registers keep 6 bits, the mode control loses bit 4', () => {
    const { io, device } = bareDevice();
    io.inb(0x3da);
    io.outb(0x3c0, 0x01);
    io.outb(0x3c0, 0xff);
    io.outb(0x3c0, 0x10);
    io.outb(0x3c0, 0xff);
    expect(device.regs.ar[1]).toBe(0x3f);
    expect(device.regs.ar[0x10]).toBe(0xef);
  });

  it('16-bit writes to an index port write the index then the data (out dx, ax)', () => {
    const { io, device } = bareDevice();
    io.outw(0x3c4, 0x0f02);
    io.outw(0x3ce, 0xaa08);
    expect(device.regs.sr[2]).toBe(0x0f);
    expect(device.regs.gr[8]).toBe(0xaa);
    expect(io.inw(0x3c4)).toBe(0x0f02);
  });

  it('sequencer and graphics registers keep only their defined bits', () => {
    const { io, device } = bareDevice();
    io.outw(0x3c4, 0xff04);
    io.outw(0x3ce, 0xff05);
    expect(device.regs.sr[4]).toBe(0x0e);
    expect(device.regs.gr[5]).toBe(0x7b);
  });

  it('the CRTC answers at 0x3D4/5 in colour mode and at 0x3B4/5 when the colour bit is clear', () => {
    const { io, device } = bareDevice();
    io.outb(0x3c2, 0x00); // mono
    io.outw(0x3b4, 0x120e);
    expect(device.regs.cr[0x0e]).toBe(0x12);
    io.outw(0x3d4, 0x340e); // ignored in mono mode
    expect(device.regs.cr[0x0e]).toBe(0x12);
    expect(io.inb(0x3d5)).toBe(0xff);
    io.outb(0x3c2, 0x01); // colour
    io.outw(0x3d4, 0x340e);
    expect(device.regs.cr[0x0e]).toBe(0x34);
    expect(io.inb(0x3b5)).toBe(0xff);
    expect(io.inb(0x3cc)).toBe(0x01);
  });

  it('CR11 bit 7 protects CR0-CR7 except CR7 bit 4', () => {
    const { io, device } = bareDevice();
    io.outb(0x3c2, 0x01);
    io.outw(0x3d4, 0x5f00);
    io.outw(0x3d4, 0x8011); // protect
    io.outw(0x3d4, 0x1100);
    io.outw(0x3d4, 0xff07);
    expect(device.regs.cr[0]).toBe(0x5f);
    expect(device.regs.cr[7]).toBe(0x10);
    io.outw(0x3d4, 0x0011); // unprotect
    io.outw(0x3d4, 0x1100);
    expect(device.regs.cr[0]).toBe(0x11);
  });

  it('the DAC auto-increments its write and read indexes every three components', () => {
    const { io, device } = bareDevice();
    io.outb(0x3c8, 0x10);
    for (const v of [1, 2, 3, 4, 5, 6]) io.outb(0x3c9, v);
    expect(Array.from(device.regs.palette.subarray(0x30, 0x36))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(io.inb(0x3c8)).toBe(0x12);
    io.outb(0x3c7, 0x11);
    expect(io.inb(0x3c7)).toBe(3); // DAC state: read mode
    expect([io.inb(0x3c9), io.inb(0x3c9), io.inb(0x3c9), io.inb(0x3c9)]).toEqual([4, 5, 6, 0]);
  });

  it('a partial DAC write is not applied until the third component', () => {
    const { io, device } = bareDevice();
    io.outb(0x3c8, 0x01);
    io.outb(0x3c9, 0x3f);
    io.outb(0x3c9, 0x3f);
    expect(Array.from(device.regs.palette.subarray(3, 6))).toEqual([0, 0, 0]);
    io.outb(0x3c9, 0x3f);
    expect(Array.from(device.regs.palette.subarray(3, 6))).toEqual([0x3f, 0x3f, 0x3f]);
  });
});

describe('VBE DISPI', () => {
  const reg = (io: ReturnType<typeof bareDevice>['io'], i: number, v?: number) => {
    io.outw(0x1ce, i);
    if (v !== undefined) io.outw(0x1cf, v);
    return io.inw(0x1cf);
  };

  it('accepts IDs up to 0xB0C5 and reports VRAM in 64K units', () => {
    const { io } = bareDevice();
    expect(reg(io, 0, 0xb0c5)).toBe(0xb0c5);
    expect(reg(io, 0, 0xb0c6)).toBe(0xb0c5);
    expect(reg(io, 0, 0xb0c0)).toBe(0xb0c0);
    expect(reg(io, 0x0a)).toBe(128);
  });

  it('GETCAPS makes XRES/YRES/BPP read back the maxima', () => {
    const { io } = bareDevice();
    reg(io, 4, 0x02);
    expect([reg(io, 1), reg(io, 2), reg(io, 3)]).toEqual([2560, 1600, 32]);
  });

  it('fixes up impossible modes as vbe_fixup_regs does', () => {
    const { io, device } = bareDevice(1);
    reg(io, 1, 1023);
    reg(io, 2, 5000);
    reg(io, 3, 13);
    reg(io, 4, 0x41);
    const m = device.vbe.mode()!;
    expect(m.width).toBe(1016); // multiple of 8
    expect(m.bpp).toBe(8); // unsupported depth → 8
    expect(m.height).toBe(1032); // floor(1 MiB / 1016 bytes per line)
    reg(io, 1, 4000);
    expect(device.vbe.mode()!.width).toBe(2560);
  });

  it('enabling VBE turns on graphics, chain 4 and the 64K window; the bank register pages it', () => {
    const { io, mem, device } = bareDevice();
    reg(io, 1, 640);
    reg(io, 2, 480);
    reg(io, 3, 8);
    reg(io, 4, 0x41);
    expect(device.regs.gr[6]! & 0x0d).toBe(0x05);
    expect(device.regs.sr[4]! & 0x08).toBe(0x08);
    reg(io, 5, 2);
    mem.store8(0xa0010, 0x77);
    expect(mem.vram[0x20010]).toBe(0x77);
    expect(mem.load8(0xa0010)).toBe(0x77);
  });
});
