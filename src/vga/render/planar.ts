// Planar 16-colour scanlines (mode 12h and friends) and CGA 4-colour ones: one 32-bit VRAM word
// holds 8 pixels, bit 7-x of plane p being bit p of pixel x; the attribute controller's colour
// plane enable masks planes; colours go through the 16-entry palette.
// @see QEMU hw/display/vga-helpers.h vga_draw_line4 / vga_draw_line2
import { mask16 } from '../legacy-window.js';

/** The four planes' bytes of 8-pixel group `g` of a line at `addr` (one VRAM word), enabled planes only. */
function planeWord(vram: Uint8Array, addr: number, g: number, pm: number): number {
  const o = (addr + g * 4) % vram.length;
  return (vram[o]! | (vram[o + 1]! << 8) | (vram[o + 2]! << 16) | (vram[o + 3]! << 24)) & pm;
}

/** Draw `count` screen pixels of a planar line starting at VRAM byte `addr` into out[x0..]. */
export function drawPlanar4(vram: Uint8Array, addr: number, planeEnable: number, pal: Uint32Array, out: Uint32Array, x0: number, x1: number, double: boolean): void {
  const pm = mask16(planeEnable & 0xf);
  const scale = double ? 2 : 1;
  let group = -1;
  let data = 0;
  for (let x = x0; x < x1; x++) {
    const sx = (x / scale) | 0;
    if (sx >> 3 !== group) {
      group = sx >> 3;
      data = planeWord(vram, addr, group, pm); // once per 8 pixels (16 when doubled)
    }
    const bit = 7 - (sx & 7);
    const c = ((data >>> bit) & 1) | (((data >>> (8 + bit)) & 1) << 1) | (((data >>> (16 + bit)) & 1) << 2) | (((data >>> (24 + bit)) & 1) << 3);
    out[x] = pal[c]!;
  }
}

/** CGA-style 2 bits per pixel (shift register interleave): planes 0/2 give pixels 0-3, planes 1/3 pixels 4-7. */
export function drawCga2(vram: Uint8Array, addr: number, planeEnable: number, pal: Uint32Array, out: Uint32Array, x0: number, x1: number, double: boolean): void {
  const pm = mask16(planeEnable & 0xf);
  const scale = double ? 2 : 1;
  let group = -1;
  let data = 0;
  for (let x = x0; x < x1; x++) {
    const sx = (x / scale) | 0;
    if (sx >> 3 !== group) {
      group = sx >> 3;
      data = planeWord(vram, addr, group, pm); // once per 8 pixels (16 when doubled)
    }
    const k = sx & 7;
    const lo = k < 4 ? data & 0xff : (data >>> 8) & 0xff;
    const hi = k < 4 ? (data >>> 16) & 0xff : (data >>> 24) & 0xff;
    const shift = 6 - 2 * (k & 3);
    out[x] = pal[((lo >> shift) & 3) | (((hi >> shift) & 3) << 2)]!;
  }
}
