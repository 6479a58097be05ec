// The colour path: attribute controller palette → DAC → 0x00RRGGBB, with QEMU's 6 → 8 bit expansion.
// @see QEMU hw/display/vga.c update_palette16 / update_palette256, c6_to_8
import { AR_COLOR_PAGE, AR_MODE, type VgaRegisters } from './registers.js';

/** A 6-bit DAC component to 8 bits as QEMU does it: v << 2, with bit 0 copied into bits 1 and 0. */
export function c6to8(v: number): number {
  v &= 0x3f;
  const b = v & 1;
  return (v << 2) | (b << 1) | b;
}

/** DAC entry i as a native pixel. */
export function dacColour(regs: VgaRegisters, i: number, dac8bit: boolean): number {
  const p = regs.palette;
  const o = (i & 0xff) * 3;
  if (dac8bit) return (p[o]! << 16) | (p[o + 1]! << 8) | p[o + 2]!;
  return (c6to8(p[o]!) << 16) | (c6to8(p[o + 1]!) << 8) | c6to8(p[o + 2]!);
}

/** The attribute-controller index for each of the 16 colours: palette registers + colour select. */
export function attributeIndex(regs: VgaRegisters, i: number): number {
  const ar = regs.ar;
  const v = ar[i]!;
  if (ar[AR_MODE]! & 0x80) return ((ar[AR_COLOR_PAGE]! & 0xf) << 4) | (v & 0xf);
  return ((ar[AR_COLOR_PAGE]! & 0xc) << 4) | (v & 0x3f);
}

/** The 16 colours of text and planar modes (always through the 6-bit DAC, as in QEMU). */
export function palette16(regs: VgaRegisters, out: Uint32Array): Uint32Array {
  for (let i = 0; i < 16; i++) out[i] = dacColour(regs, attributeIndex(regs, i), false);
  return out;
}

/** The 256 colours of mode 13h and VBE 8 bpp. */
export function palette256(regs: VgaRegisters, dac8bit: boolean, out: Uint32Array): Uint32Array {
  for (let i = 0; i < 256; i++) out[i] = dacColour(regs, i, dac8bit);
  return out;
}

/** Bit i set where a and b differ (up to 32 entries), or all ones beyond 32 entries when any differs. */
export function paletteDiff(a: Uint32Array, b: Uint32Array): number {
  let mask = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) mask |= i < 32 ? 1 << i : -1;
  return mask;
}
