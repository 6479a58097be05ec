import { describe, expect, it } from 'vitest';
import { bareDevice } from './helpers.js';

// Expectations from FreeVGA's Graphics Controller register descriptions (write modes 0-3,
// read modes 0-1, set/reset, data rotate, logical function, bit mask) and QEMU vga_mem_writeb.
const A = 0xa0000;

/** A device in planar mode (memory map 0: A0000-BFFFF 128K, no chain-4, no odd/even). */
function planar() {
  const d = bareDevice();
  const { io } = d;
  io.outw(0x3c4, 0x0f02); // all planes
  io.outw(0x3c4, 0x0604); // no chain 4, odd/even off
  io.outw(0x3ce, 0x0006); // graphics off is irrelevant here; memory map 0
  io.outw(0x3ce, 0x0005); // write mode 0, read mode 0
  io.outw(0x3ce, 0xff08); // bit mask all
  return d;
}

const planes = (vram: Uint8Array, addr: number) => Array.from(vram.subarray(addr * 4, addr * 4 + 4));

describe('legacy window: writes', () => {
  it('write mode 0 writes the byte to every enabled plane, masked by the map mask', () => {
    const { io, mem } = planar();
    io.outw(0x3c4, 0x0502); // planes 0 and 2
    mem.store8(A + 10, 0x5a);
    expect(planes(mem.vram, 10)).toEqual([0x5a, 0, 0x5a, 0]);
  });

  it('write mode 0 applies enable set/reset per plane', () => {
    const { io, mem } = planar();
    io.outw(0x3ce, 0x0300); // set/reset value: planes 0,1 = 1
    io.outw(0x3ce, 0x0601); // enable set/reset on planes 1,2
    mem.store8(A, 0x81);
    // plane 0: data; plane 1: set (ff); plane 2: reset (00); plane 3: data
    expect(planes(mem.vram, 0)).toEqual([0x81, 0xff, 0x00, 0x81]);
  });

  it('write mode 0 rotates the data, then applies the function with the latch and the bit mask', () => {
    const { io, mem } = planar();
    mem.vram.set([0xf0, 0x0f, 0xff, 0x00], 4 * 3);
    mem.load8(A + 3); // latch = f0 0f ff 00
    io.outw(0x3ce, 0x1a03); // rotate 2, function XOR (bits 3-4 = 11)
    io.outw(0x3ce, 0x3c08); // bit mask 0011 1100
    mem.store8(A + 3, 0x03); // rotated right by 2: 0xc0
    // XOR with latch → c0^f0=30, c0^0f=cf, c0^ff=3f, c0^00=c0; then bit mask 3c picks those bits, latch elsewhere
    const expectPlane = (x: number, latch: number) => (x & 0x3c) | (latch & ~0x3c & 0xff);
    expect(planes(mem.vram, 3)).toEqual([expectPlane(0x30, 0xf0), expectPlane(0xcf, 0x0f), expectPlane(0x3f, 0xff), expectPlane(0xc0, 0x00)]);
  });

  it('the AND and OR functions combine data with the latch', () => {
    const { io, mem } = planar();
    mem.vram.set([0xf0, 0xf0, 0xf0, 0xf0], 0);
    mem.load8(A);
    io.outw(0x3ce, 0x0803); // AND
    mem.store8(A, 0x3c);
    expect(planes(mem.vram, 0)).toEqual([0x30, 0x30, 0x30, 0x30]);
    mem.load8(A);
    io.outw(0x3ce, 0x1003); // OR
    mem.store8(A, 0x0f);
    expect(planes(mem.vram, 0)).toEqual([0x3f, 0x3f, 0x3f, 0x3f]);
  });

  it('write mode 1 stores the latches (a block copy)', () => {
    const { io, mem } = planar();
    mem.vram.set([1, 2, 3, 4], 4 * 100);
    io.outw(0x3ce, 0x0105);
    io.outw(0x3ce, 0x0008); // bit mask is ignored in write mode 1
    mem.load8(A + 100);
    mem.store8(A + 200, 0xee);
    expect(planes(mem.vram, 200)).toEqual([1, 2, 3, 4]);
  });

  it('write mode 2 writes the colour in bits 0-3 to each plane, bit mask from the latch', () => {
    const { io, mem } = planar();
    mem.vram.set([0xff, 0x00, 0xff, 0x00], 4 * 7);
    mem.load8(A + 7);
    io.outw(0x3ce, 0x0205);
    io.outw(0x3ce, 0x0f08); // low four pixels
    mem.store8(A + 7, 0x0a); // colour 1010: planes 1 and 3
    expect(planes(mem.vram, 7)).toEqual([0xf0, 0x0f, 0xf0, 0x0f]);
  });

  it('write mode 3 uses rotated data AND bit mask as the mask for the set/reset colour', () => {
    const { io, mem } = planar();
    mem.load8(A + 1); // latch = 0
    io.outw(0x3ce, 0x0305);
    io.outw(0x3ce, 0x0500); // set/reset colour 0101
    io.outw(0x3ce, 0xf008); // bit mask f0
    io.outw(0x3ce, 0x0103); // rotate right 1
    mem.store8(A + 1, 0x3c); // rotated: 0x1e; & f0 → 0x10
    expect(planes(mem.vram, 1)).toEqual([0x10, 0x00, 0x10, 0x00]);
  });

  it('odd/even mode sends even addresses to plane 0 and odd ones to plane 1', () => {
    const { io, mem } = bareDevice();
    io.outw(0x3c4, 0x0302);
    io.outw(0x3c4, 0x0204);
    io.outw(0x3ce, 0x1005);
    io.outw(0x3ce, 0x0e06); // B8000 32K
    mem.store16(0xb8000 + 6, 0x1f41);
    expect(Array.from(mem.vram.subarray(12, 14))).toEqual([0x41, 0x1f]);
    expect(mem.load16(0xb8006)).toBe(0x1f41);
    expect(mem.load8(0xa0000)).toBe(0xff); // outside the B8000 map
  });

  it('chain 4 maps each byte straight to VRAM, within the plane mask', () => {
    const { io, mem } = bareDevice();
    io.outw(0x3c4, 0x0e04);
    io.outw(0x3c4, 0x0b02); // planes 0,1,3
    io.outw(0x3ce, 0x0506); // A0000 64K
    for (let i = 0; i < 4; i++) mem.store8(A + 0x100 + i, 0x10 + i);
    expect(Array.from(mem.vram.subarray(0x100, 0x104))).toEqual([0x10, 0x11, 0, 0x13]);
    expect(mem.load8(A + 0x101)).toBe(0x11);
    expect(mem.load8(0xb0000)).toBe(0xff); // beyond the 64K map
  });

  it('every store through the window is recorded exactly, without the hypervisor', () => {
    const { mem, device } = planar();
    mem.store8(A + 0x1234, 1);
    expect(device.legacyDirty.span(0, 0x10000 * 4)).toEqual([0x1234 * 4, 0x1234 * 4 + 4]);
    expect(mem.dirty).toBeNull();
  });
});

describe('legacy window: reads', () => {
  it('read mode 0 returns the plane selected by the read map select and loads all four latches', () => {
    const { io, mem, device } = planar();
    mem.vram.set([0x11, 0x22, 0x33, 0x44], 4 * 9);
    io.outw(0x3ce, 0x0204);
    expect(mem.load8(A + 9)).toBe(0x33);
    expect(device.legacy.latch).toBe(0x44332211);
  });

  it('read mode 1 returns 1 for each pixel whose colour matches the compare value in the care planes', () => {
    const { io, mem } = planar();
    // pixels 0-7 colours: plane bits give pixel 0 = 1111, pixel 7 = 0000, others mixed
    mem.vram.set([0b10000011, 0b10000101, 0b10001001, 0b10010001], 4 * 5);
    io.outw(0x3ce, 0x0805); // read mode 1
    io.outw(0x3ce, 0x0f02); // compare colour 1111
    io.outw(0x3ce, 0x0f07); // care about all planes
    expect(mem.load8(A + 5)).toBe(0b10000001);
    io.outw(0x3ce, 0x0107); // care only about plane 0
    expect(mem.load8(A + 5)).toBe(0b10000011);
    io.outw(0x3ce, 0x0007); // care about nothing: every pixel matches
    expect(mem.load8(A + 5)).toBe(0xff);
  });
});
