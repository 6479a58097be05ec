// What each kind of change costs: the device must report exactly what changed, and its surface
// must always equal the ground truth.
import { describe, expect, it } from 'vitest';
import { countDiff } from '../helpers/app.js';
import { bareDevice, surfaceRgba } from './helpers.js';
import { drawBiosScreen, drawMode13Picture, drawPlanarPicture, mode13Palette } from '../../src/guest/vga-programs.js';
import { setVbeMode } from '../../src/guest/guest.js';
import type { DirtyRegion } from '../../src/display/dirty-region.js';
import { rectArea } from '../../src/display/surface.js';

type Dev = ReturnType<typeof bareDevice>;

function step(d: Dev): { region: DirtyRegion; cells: number; rects: ReturnType<DirtyRegion['takeRects']> } {
  const before = d.device.counters.cellsDrawn;
  const { region } = d.device.update();
  expect(countDiff(surfaceRgba(d.device.surface), surfaceRgba(d.device.screenshot()))).toBe(0);
  const cells = d.device.counters.cellsDrawn - before;
  return { region, cells, rects: region.takeRects() };
}

function textDevice(): Dev {
  const d = bareDevice();
  d.bios.setMode03();
  drawBiosScreen(d.bios, 65536);
  d.bios.puts(30, 23, '   ', 0x07); // no blinking characters: only the cursor blinks
  d.bios.setCursor(5, 24);
  d.clock.ms = 1; // frame 0: cursor on
  d.device.update();
  return d;
}

describe('text mode updates (cell cache, VRAM tracking stopped)', () => {
  it('stops VRAM tracking and reports nothing when nothing changed', () => {
    const d = textDevice();
    expect(d.tracker.state).toBe('off');
    const r = step(d);
    expect(r.cells).toBe(0);
    expect(r.rects).toEqual([]);
    expect(d.device.quiescent).toBe(true);
  });

  it('a character written through the window repaints that one cell', () => {
    const d = textDevice();
    d.bios.puts(40, 10, 'X', 0x0e);
    expect(d.device.quiescent).toBe(false);
    const r = step(d);
    expect(r.cells).toBe(1);
    // cell x 360..368 in 16-px chunks; of its 16 scanlines the 10 that the 'X' glyph lights (2-11)
    expect(r.rects).toEqual([{ x: 352, y: 162, w: 32, h: 10 }]);
  });

  it('a cell drawn again with the same pixels reports nothing', () => {
    const d = textDevice();
    d.bios.puts(40, 10, ' ', 0x0f); // a space, white instead of grey: no pixel in the foreground colour
    const r = step(d);
    expect(r.cells).toBe(1);
    expect(r.rects).toEqual([]);
  });

  it('a cursor move repaints two cells', () => {
    const d = textDevice();
    d.bios.setCursor(6, 24);
    const r = step(d);
    expect(r.cells).toBe(2);
  });

  it('a cursor blink repaints only the cursor cell, at the VGA rate (8 frames)', () => {
    const d = textDevice();
    const rate = d.device.regs.frameRate;
    expect(rate).toBeCloseTo(70.08, 1);
    d.clock.ms = (7.5 * 1000) / rate; // still frame 7: no change
    expect(step(d).cells).toBe(0);
    d.clock.ms = (8.5 * 1000) / rate; // frame 8: cursor off
    const compared = d.device.counters.cellsCompared;
    const r = step(d);
    expect(r.cells).toBe(1);
    // the cursor's two scanlines (CRTC 0x0A/0x0B: 13-14 of the cell), not the cell's 16
    expect(r.rects).toEqual([{ x: 32, y: 397, w: 32, h: 2 }]);
    // nothing but time changed: only the cursor's cell is looked at, not the 2000 on the screen
    expect(d.device.counters.cellsCompared - compared).toBe(1);
    // a store through the window: every cell is compared again
    d.bios.puts(40, 10, 'X', 0x0e);
    const before = d.device.counters.cellsCompared;
    expect(step(d).cells).toBe(1);
    expect(d.device.counters.cellsCompared - before).toBe(80 * 25);
  });

  it('blinking characters toggle every 16 frames when attribute blink is enabled', () => {
    const d = textDevice();
    d.bios.puts(0, 12, 'BLINK', 0x8f);
    d.bios.hideCursor();
    step(d);
    const rate = d.device.regs.frameRate;
    d.clock.ms = (8.5 * 1000) / rate;
    expect(step(d).cells).toBe(0); // cursor off, characters still on
    d.clock.ms = (16.5 * 1000) / rate;
    const compared = d.device.counters.cellsCompared;
    expect(step(d).cells).toBe(5);
    // only time changed: the blinking cells are looked at, not the 2000 on the screen
    expect(d.device.counters.cellsCompared - compared).toBe(5);
  });

  it('a toggle of both the cursor and blinking characters looks at those cells only', () => {
    const d = textDevice();
    d.bios.puts(0, 12, 'BLINK', 0x8f);
    step(d);
    const rate = d.device.regs.frameRate;
    d.clock.ms = (8.5 * 1000) / rate;
    step(d); // cursor off
    d.clock.ms = (16.5 * 1000) / rate;
    const compared = d.device.counters.cellsCompared;
    const r = step(d); // cursor on, characters off
    expect(r.cells).toBe(6);
    expect(d.device.counters.cellsCompared - compared).toBe(6);
    expect(r.rects).toEqual([
      { x: 0, y: 194, w: 48, h: 10 }, // the rows 'BLINK' lights
      { x: 32, y: 397, w: 32, h: 2 }, // the cursor's scanlines
    ]);
  });

  it('a font change (a store to plane 2) repaints every cell', () => {
    const d = textDevice();
    d.io.outw(0x3c4, 0x0402);
    d.io.outw(0x3c4, 0x0704);
    d.io.outw(0x3ce, 0x0005);
    d.io.outw(0x3ce, 0x0406);
    d.mem.store8(0xa0000 + 0x41 * 32 + 5, 0xff); // one line of 'A'
    d.io.outw(0x3c4, 0x0302);
    d.io.outw(0x3c4, 0x0304);
    d.io.outw(0x3ce, 0x1005);
    d.io.outw(0x3ce, 0x0e06);
    expect(step(d).cells).toBe(2000);
  });

  it('a DAC change repaints only the cells that use the changed colour', () => {
    const d = textDevice();
    // colour 0x0a (bright green, DAC entry 0x3a) is used by the two drive lines only
    let users = 0;
    for (let i = 0; i < 2000; i++) {
      const a = d.mem.vram[i * 4 + 1]!;
      if ((a & 0x0f) === 0x0a || (a >> 4) === 0x0a) users++;
    }
    d.io.outb(0x3c8, 0x3a);
    for (const v of [0x3f, 0x00, 0x3f]) d.io.outb(0x3c9, v);
    expect(step(d).cells).toBe(users);
    expect(users).toBeGreaterThan(0);
    expect(users).toBeLessThan(200);
  });

  it('an attribute palette change repaints the cells whose colour it remaps', () => {
    const d = textDevice();
    d.io.inb(0x3da);
    d.io.outb(0x3c0, 0x0e); // palette register 14 (yellow)
    d.io.outb(0x3c0, 0x04);
    d.io.outb(0x3c0, 0x20);
    const r = step(d);
    expect(r.cells).toBeGreaterThan(0);
    expect(r.cells).toBeLessThan(2000);
  });
});

describe('legacy graphics updates (exact bookkeeping in the window)', () => {
  it('mode 12h: one byte written repaints eight pixels of one scanline', () => {
    const d = bareDevice();
    d.bios.setMode12();
    drawPlanarPicture(d.bios);
    d.device.update();
    d.io.outw(0x3ce, 0x0205);
    d.mem.load8(0xa0000 + 450 * 80 + 10);
    d.mem.store8(0xa0000 + 450 * 80 + 10, 12);
    const r = step(d);
    expect(r.rects).toEqual([{ x: 80, y: 450, w: 16, h: 1 }]);
    expect(d.tracker.state).toBe('off');
  });

  it('mode 13h: a DAC change repaints what shows that colour, with no VRAM write', () => {
    const d = bareDevice();
    d.bios.setMode13();
    d.bios.setDac(32, mode13Palette(0));
    drawMode13Picture(d.mem);
    d.device.update();
    const writes = d.device.legacy.counters.writes;
    d.bios.setDac(4, [[63, 63, 0]]); // the swatch of colour 4
    const r = step(d);
    expect(d.device.legacy.counters.writes).toBe(writes);
    // swatch 4: source x 84..101, y 4..13 → screen x 168..203, y 8..27
    const xs = r.rects.map((q) => [q.x, q.x + q.w]);
    expect(Math.min(...xs.map((x) => x[0]!))).toBe(160);
    expect(Math.max(...xs.map((x) => x[1]!))).toBe(208);
    expect(Math.min(...r.rects.map((q) => q.y))).toBe(8);
    expect(Math.max(...r.rects.map((q) => q.y + q.h))).toBe(28);
    d.bios.setDac(32, mode13Palette(5)); // the animation: most of the screen
    expect(rectArea(step(d).rects)).toBeGreaterThan(200_000);
  });

  it('VBE: stores through the 64K bank window are reported without the tracker', () => {
    const d = bareDevice();
    setVbeMode(d.io, 640, 480, 32);
    d.device.update();
    d.io.outw(0x1ce, 5);
    d.io.outw(0x1cf, 1); // bank 1: VRAM 64K-128K = rows 25.6-51.2
    d.mem.store32(0xa0000 + 4 * 100, 0xff0000); // VRAM offset 65536 + 400
    const r = step(d);
    const off = 65536 + 400;
    const y = Math.floor(off / 2560);
    const x = (off % 2560) / 4;
    expect(r.rects).toEqual([{ x: x & ~15, y, w: 16, h: 1 }]);
  });
});
