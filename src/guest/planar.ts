// The `planar` guest: mode 12h drawn through write modes 0-3 (set/reset, logical functions, bit
// mask, latch copies), then a bar moved once a second with write mode 2.
import type { GuestContext, GuestProgram } from './guest.js';
import { GFX_BASE, VgaBios } from './vga-bios.js';

/** Draw a picture in mode 12h using each write mode. */
export function drawPlanarPicture(bios: VgaBios): void {
  const { io, mem } = bios;
  const addr = (x: number, y: number) => GFX_BASE + y * 80 + (x >> 3);
  // write mode 2: each byte written is a colour; the bit mask selects pixels. 16 vertical bars.
  io.outw(0x3ce, 0x0205);
  for (let bar = 0; bar < 16; bar++) {
    for (let y = 40; y < 200; y++) {
      for (let x = bar * 40; x < bar * 40 + 40; x += 8) {
        io.outw(0x3ce, 0x08 | (0xff << 8));
        mem.load8(addr(x, y)); // load the latches
        mem.store8(addr(x, y), bar);
      }
    }
  }
  // write mode 0 with set/reset: filled white box with a 1-pixel-offset bit mask edge
  io.outw(0x3ce, 0x0005);
  io.outw(0x3ce, 0x0f01); // enable set/reset on all planes
  io.outw(0x3ce, 0x0f00); // set/reset value 15 (white)
  for (let y = 220; y < 300; y++) {
    for (let x = 40; x < 296; x += 8) {
      const mask = x === 40 ? 0x7f : x === 288 ? 0xfe : 0xff;
      io.outw(0x3ce, 0x08 | (mask << 8));
      mem.load8(addr(x, y));
      mem.store8(addr(x, y), 0);
    }
  }
  io.outw(0x3ce, 0x0001);
  io.outw(0x3ce, 0xff08);
  // write mode 0 with data and the XOR function: diagonal stripes over the bars (rotate 0)
  io.outw(0x3ce, 0x1803); // function XOR
  io.outw(0x3c4, 0x0402); // plane 2 only
  for (let y = 40; y < 200; y++) {
    for (let x = 320; x < 640; x += 8) {
      mem.load8(addr(x, y));
      mem.store8(addr(x, y), 0x0f << ((y >> 2) & 7));
    }
  }
  io.outw(0x3ce, 0x0003);
  io.outw(0x3c4, 0x0f02);
  // write mode 3: the data byte ANDed with the bit mask selects pixels set to the set/reset colour
  io.outw(0x3ce, 0x0305);
  io.outw(0x3ce, 0x0e00); // yellow
  for (let y = 220; y < 300; y++) {
    for (let x = 340; x < 600; x += 8) {
      mem.load8(addr(x, y));
      mem.store8(addr(x, y), (y >> 3) & 1 ? 0xaa : 0x55);
    }
  }
  // write mode 1: copy a block with the latches (read loads all four planes, write stores them)
  io.outw(0x3ce, 0x0105);
  for (let y = 0; y < 80; y++) {
    for (let x = 0; x < 256; x += 8) {
      mem.load8(addr(40 + x, 220 + y));
      mem.store8(addr(40 + x, 340 + y), 0);
    }
  }
  io.outw(0x3ce, 0x0005);
  io.outw(0x3ce, 0x0000);
}

/** Mode 12h drawn through write modes 0-3, then a bar that moves once a second (write mode 2). */
export const planarGuest: GuestProgram = {
  name: 'planar',
  start(ctx: GuestContext) {
    const bios = new VgaBios(ctx.io, ctx.mem);
    bios.setMode12();
    drawPlanarPicture(bios);
    let pos = 0;
    ctx.setInterval(() => {
      const { io, mem } = bios;
      io.outw(0x3ce, 0x0205);
      for (const [x, colour] of [
        [pos, 0],
        [(pos + 8) % 640, 12],
      ] as const) {
        for (let y = 440; y < 470; y++) {
          mem.load8(GFX_BASE + y * 80 + (x >> 3));
          mem.store8(GFX_BASE + y * 80 + (x >> 3), colour);
        }
      }
      io.outw(0x3ce, 0x0005);
      pos = (pos + 8) % 640;
    }, 1000);
  },
};
