// 256-colour legacy scanlines (mode 13h, chain-4): one VRAM byte per source pixel, each shown as two
// screen pixels (the 8-bit pixel is assembled over two dot clocks), colours straight from the DAC.
// @see QEMU hw/display/vga-helpers.h vga_draw_line8d2
export function drawByte8d2(vram: Uint8Array, addr: number, pal: Uint32Array, out: Uint32Array, x0: number, x1: number): void {
  const len = vram.length;
  for (let x = x0; x < x1; x++) out[x] = pal[vram[(addr + (x >> 1)) % len]!]!;
}
