// The `modes` guest: cycles text → 13h → 12h → VBE 800x600x16 → VBE 1024x768x32, each reached
// through the port sequences a BIOS (legacy modes) or a Bochs VBE driver uses.
import { setVbeMode, type GuestContext, type GuestProgram } from './guest.js';
import { VgaBios } from './vga-bios.js';
import { LFB_BASE } from '../hypervisor/memory.js';
import { drawMode13Picture, mode13Palette } from './mode13.js';
import { drawPlanarPicture } from './planar.js';

export type CycleStep = 'text' | 'mode13' | 'mode12' | 'vbe800x600x16' | 'vbe1024x768x32';
export const MODE_CYCLE: readonly CycleStep[] = ['text', 'mode13', 'mode12', 'vbe800x600x16', 'vbe1024x768x32'];

/** Enter one step of the cycle and draw its picture. */
export function enterCycleStep(ctx: GuestContext, step: CycleStep): void {
  const bios = new VgaBios(ctx.io, ctx.mem);
  switch (step) {
    case 'text':
      bios.setMode03();
      bios.box(10, 5, 60, 12, 0x1f, 'vramvnc modes');
      bios.puts(14, 8, 'Mode 03h: 80x25 text, 9-dot cells \xc4\xc5\xc4 line graphics', 0x1e);
      bios.puts(14, 10, 'next: 13h, 12h, VBE 800x600x16, VBE 1024x768x32', 0x1b);
      bios.setCursor(14, 12);
      return;
    case 'mode13':
      bios.setMode13();
      bios.setDac(32, mode13Palette(0));
      drawMode13Picture(ctx.mem);
      return;
    case 'mode12':
      bios.setMode12();
      drawPlanarPicture(bios);
      return;
    case 'vbe800x600x16': {
      setVbeMode(ctx.io, 800, 600, 16);
      const row = new Uint8Array(800 * 2);
      for (let y = 0; y < 600; y++) {
        for (let x = 0; x < 800; x++) {
          const r = (x * 31) / 799;
          const g = (y * 63) / 599;
          const b = ((x ^ y) >> 3) & 31;
          const p = (Math.round(r) << 11) | (Math.round(g) << 5) | b;
          row[x * 2] = p & 0xff;
          row[x * 2 + 1] = p >> 8;
        }
        ctx.mem.blitRows(LFB_BASE + y * 1600, 1600, row, 1600, 1600, 1);
      }
      return;
    }
    case 'vbe1024x768x32': {
      setVbeMode(ctx.io, 1024, 768, 32);
      for (let y = 0; y < 768; y++) {
        const v = new Uint32Array(1024);
        for (let x = 0; x < 1024; x++) v[x] = ((x >> 2) << 16) | ((y / 3) << 8) | (((x + y) >> 3) & 0xff);
        ctx.mem.blitRows(LFB_BASE + y * 4096, 4096, new Uint8Array(v.buffer), 4096, 4096, 1);
      }
      return;
    }
  }
}

/** Cycles text → 13h → 12h → VBE 800x600x16 → VBE 1024x768x32, `periodMs` each, forever. */
export function modesGuest(periodMs = 3000): GuestProgram {
  return {
    name: 'modes',
    start(ctx: GuestContext) {
      let i = 0;
      const step = () => {
        enterCycleStep(ctx, MODE_CYCLE[i % MODE_CYCLE.length]!);
        i++;
        ctx.setTimeout(step, periodMs);
      };
      step();
    },
  };
}
