// Every mode and depth, reached through the registers as a guest does, against golden PNGs; the
// device's incrementally maintained surface must equal its ground-truth screenshot.
import { describe, expect, it } from 'vitest';
import { compareGolden, countDiff } from '../helpers/app.js';
import { bareDevice, surfaceRgba } from './helpers.js';
import { drawBiosScreen, drawMode13Picture, drawPlanarPicture, mode13Palette } from '../../src/guest/vga-programs.js';
import { setVbeMode } from '../../src/guest/guest.js';
import { LFB_BASE } from '../../src/hypervisor/memory.js';
import type { PortBus } from '../../src/hypervisor/io.js';

type Dev = ReturnType<typeof bareDevice>;

const dispi = (io: PortBus, i: number, v: number) => {
  io.outw(0x1ce, i);
  io.outw(0x1cf, v);
};

/** A picture for a linear mode: colour bars, a gradient and a grid, as pixel values of `bpp`. */
function drawLinear(d: Dev, w: number, h: number, bpp: number, stride: number): void {
  const bytes = bpp === 15 ? 2 : bpp / 8;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = (x * 255) / (w - 1);
      const g = (y * 255) / (h - 1);
      const b = (x >> 5) & 1 ? 255 : ((x ^ y) & 0x10) * 8;
      let p: number;
      if (bpp === 8) p = ((x >> 3) + (y >> 3) * 8) & 0xff;
      else if (bpp === 15) p = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
      else if (bpp === 16) p = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
      else p = ((r & 0xff) << 16) | ((g & 0xff) << 8) | (b & 0xff);
      const o = LFB_BASE + y * stride + x * bytes;
      if (bytes === 1) d.mem.store8(o, p);
      else if (bytes === 2) d.mem.store16(o, p);
      else if (bytes === 3) {
        d.mem.store8(o, p & 0xff);
        d.mem.store8(o + 1, (p >> 8) & 0xff);
        d.mem.store8(o + 2, p >> 16);
      } else d.mem.store32(o, p);
    }
  }
}

/** A ramp DAC for 8 bpp: 6-bit components, or 8-bit ones once the DAC is switched to 8 bits. */
function rampDac(d: Dev, eightBit: boolean): void {
  d.io.outb(0x3c8, 0);
  for (let i = 0; i < 256; i++) {
    const c = [i & 0xe0, (i << 3) & 0xe0, (i << 6) & 0xc0];
    for (const v of c) d.io.outb(0x3c9, eightBit ? v | (v >> 3) : v >> 2);
  }
}

interface Scenario {
  name: string;
  size: [number, number];
  setup(d: Dev): void;
  /** Time at which to look (ms), for blink phases. */
  at?: (d: Dev) => number;
}

const frameTime = (d: Dev, frame: number) => ((frame + 0.5) * 1000) / d.device.regs.frameRate;

const SCENARIOS: Scenario[] = [
  {
    name: 'vga-text-80x25.png',
    size: [720, 400],
    setup(d) {
      d.bios.setMode03();
      const c = drawBiosScreen(d.bios, 65536);
      d.bios.setCursor(c.col, c.row);
    },
    at: (d) => frameTime(d, 0), // cursor and blinking characters on
  },
  {
    name: 'vga-text-80x25-blink-off.png',
    size: [720, 400],
    setup(d) {
      d.bios.setMode03();
      const c = drawBiosScreen(d.bios, 65536);
      d.bios.setCursor(c.col, c.row);
    },
    at: (d) => frameTime(d, 24), // frame 24: cursor off (24>>3 odd), blinking characters off (24>>4 odd)
  },
  {
    name: 'vga-text-80x50.png',
    size: [720, 400],
    setup(d) {
      d.bios.setMode03x50();
      for (let r = 0; r < 50; r++) d.bios.puts(0, r, `row ${String(r).padStart(2)} \xb3 8x8 font, 80x50 \xb3 \xc9\xcd\xcd\xbb \xb0\xb1\xb2\xdb ${'*'.repeat(r % 40)}`, (r % 15) + 1);
      d.bios.setCursor(10, 49);
    },
    at: (d) => frameTime(d, 0),
  },
  {
    name: 'vga-mode13.png',
    size: [640, 400],
    setup(d) {
      d.bios.setMode13();
      d.bios.setDac(32, mode13Palette(0));
      drawMode13Picture(d.mem);
    },
  },
  {
    name: 'vga-mode12.png',
    size: [640, 480],
    setup(d) {
      d.bios.setMode12();
      drawPlanarPicture(d.bios);
    },
  },
  {
    name: 'vga-mode12-split.png',
    size: [640, 480],
    setup(d) {
      d.bios.setMode12();
      drawPlanarPicture(d.bios);
      // pan down 100 lines with the start address, split the screen at line 300 (line compare)
      const start = 100 * 80;
      d.io.outw(0x3d4, 0x0c | ((start >> 8) << 8));
      d.io.outw(0x3d4, 0x0d | ((start & 0xff) << 8));
      d.io.outw(0x3d4, 0x18 | (0x2c << 8)); // 300 = 0x12c: bit 8 in CR07 bit 4
      d.io.outw(0x3d4, 0x07 | ((d.device.regs.cr[7]! | 0x10) << 8));
      d.io.outw(0x3d4, 0x09 | ((d.device.regs.cr[9]! & ~0x40) << 8));
    },
  },
  {
    name: 'vga-vbe8.png',
    size: [640, 480],
    setup(d) {
      setVbeMode(d.io, 640, 480, 8);
      rampDac(d, false);
      drawLinear(d, 640, 480, 8, 640);
    },
  },
  {
    name: 'vga-vbe8-dac8.png',
    size: [640, 480],
    setup(d) {
      setVbeMode(d.io, 640, 480, 8);
      dispi(d.io, 4, 0x41 | 0x20); // 8-bit DAC
      rampDac(d, true);
      drawLinear(d, 640, 480, 8, 640);
    },
  },
  ...[15, 16, 24].map(
    (bpp): Scenario => ({
      name: `vga-vbe${bpp}.png`,
      size: [640, 480],
      setup(d) {
        setVbeMode(d.io, 640, 480, bpp);
        drawLinear(d, 640, 480, bpp, 640 * (bpp === 15 ? 2 : bpp / 8));
      },
    }),
  ),
  {
    name: 'vga-vbe32-panned.png',
    size: [640, 480],
    setup(d) {
      setVbeMode(d.io, 640, 480, 32);
      dispi(d.io, 6, 800); // virtual width 800
      drawLinear(d, 800, 600, 32, 800 * 4);
      dispi(d.io, 8, 96); // x offset
      dispi(d.io, 9, 64); // y offset
    },
  },
];

describe('golden pictures of every mode and depth', () => {
  for (const sc of SCENARIOS) {
    it(`${sc.name}: ${sc.size.join('x')}`, () => {
      const d = bareDevice();
      sc.setup(d);
      d.clock.ms = sc.at ? sc.at(d) : 0;
      const up = d.device.update();
      expect([d.device.surface.width, d.device.surface.height]).toEqual(sc.size);
      expect(up.region.isEmpty()).toBe(false);
      const truth = surfaceRgba(d.device.screenshot());
      const r = compareGolden(sc.name, truth);
      expect(r.diff, r.message).toBe(0);
      expect(countDiff(surfaceRgba(d.device.surface), truth)).toBe(0);
    });
  }
});
