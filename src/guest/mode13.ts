// The `mode13` guest: mode 13h drawn once, then animated through the DAC only (no VRAM writes).
import type { GuestContext, GuestProgram } from './guest.js';
import { GFX_BASE, VgaBios } from './vga-bios.js';

/** Draw concentric bands of colours 32..247 once; the animation then only rotates the DAC. */
export function drawMode13Picture(mem: GuestContext['mem']): void {
  for (let y = 0; y < 200; y++) {
    for (let x = 0; x < 320; x++) {
      const dx = x - 160;
      const dy = (y - 100) * 1.6;
      const d = Math.sqrt(dx * dx + dy * dy);
      const c = 32 + (Math.floor(d * 1.5 + ((x >> 5) + (y >> 5)) * 3) % 216);
      mem.store8(GFX_BASE + y * 320 + x, c);
    }
  }
  for (let i = 0; i < 16; i++) for (let y = 4; y < 14; y++) for (let x = 0; x < 18; x++) mem.store8(GFX_BASE + y * 320 + 4 + i * 20 + x, i);
}

/** The DAC colours of frame t of the palette animation (entries 32..247). */
export function mode13Palette(t: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < 216; i++) {
    const p = ((i + t) % 216) / 216;
    const f = (o: number) => Math.round(31.5 + 31.5 * Math.sin(2 * Math.PI * (p + o)));
    out.push([f(0), f(1 / 3), f(2 / 3)]);
  }
  return out;
}

/** Mode 13h: draws once, then animates by reprogramming the DAC only (no VRAM writes). */
export const mode13Guest: GuestProgram = {
  name: 'mode13',
  start(ctx: GuestContext) {
    const bios = new VgaBios(ctx.io, ctx.mem);
    bios.setMode13();
    bios.setDac(32, mode13Palette(0));
    drawMode13Picture(ctx.mem);
    let t = 0;
    ctx.setInterval(() => bios.setDac(32, mode13Palette(++t)), 50);
  },
};
