// VBE linear scanlines at 8 (through the DAC), 15, 16, 24 and 32 bpp, as QEMU converts them:
// 15/16 bpp components are shifted up without replicating their top bits.
// @see QEMU hw/display/vga-helpers.h vga_draw_line8 / 15 / 16 / 24 / 32
export function drawLinear(vram: Uint8Array, rowStart: number, bpp: number, pal: Uint32Array, out: Uint32Array, x0: number, x1: number): void {
  const size = vram.length;
  const bytes = bpp === 15 ? 2 : bpp >> 3;
  let o = rowStart + x0 * bytes;
  for (let x = x0; x < x1; x++, o += bytes) {
    if (o + bytes > size) {
      out[x] = 0;
      continue;
    }
    switch (bpp) {
      case 32:
        out[x] = (vram[o + 2]! << 16) | (vram[o + 1]! << 8) | vram[o]!;
        break;
      case 24:
        out[x] = (vram[o + 2]! << 16) | (vram[o + 1]! << 8) | vram[o]!;
        break;
      case 16: {
        const p = vram[o]! | (vram[o + 1]! << 8);
        out[x] = (((p >> 8) & 0xf8) << 16) | (((p >> 3) & 0xfc) << 8) | ((p << 3) & 0xf8);
        break;
      }
      case 15: {
        const p = vram[o]! | (vram[o + 1]! << 8);
        out[x] = (((p >> 7) & 0xf8) << 16) | (((p >> 2) & 0xf8) << 8) | ((p << 3) & 0xf8);
        break;
      }
      default:
        out[x] = pal[vram[o]!]!;
    }
  }
}
