// Legacy VGA graphics geometry from the CRTC/sequencer/graphics controller: the displayed size, the
// line drawer (planar 4, CGA 2, 256-colour) and the VRAM address of every displayed scanline
// (start address, offset, max scan/double scan, CGA/Hercules address wrap, line compare).
// @see QEMU hw/display/vga.c vga_draw_graphic
import { CR_MAX_SCAN, CR_MODE, GR_MODE, SR_CLOCK_MODE, type VgaRegisters } from '../registers.js';

export type LineKind = 'planar4' | 'cga2' | 'byte8';

export interface GraphicsLayout {
  kind: LineKind;
  /** Source pixels per line (CRTC horizontal display × 8). */
  width: number;
  /** Pixels per line on screen (doubled when the sequencer halves the dot clock). */
  dispWidth: number;
  height: number;
  /** VRAM bytes one scanline reads. */
  bwidth: number;
  /** VRAM byte offset of each displayed scanline. */
  rowAddr: Int32Array;
  /** Screen pixels per VRAM byte. */
  pxPerByte: number;
  /** A string naming everything above, to notice changes. */
  key: string;
}

export const MAX_GRAPHICS_WIDTH = 2048;
export const MAX_GRAPHICS_HEIGHT = 2048;

export function graphicsLayout(regs: VgaRegisters, vramSize: number): GraphicsLayout | null {
  const { sr, gr, cr } = regs;
  const width = regs.displayedChars * 8;
  const height = regs.displayedLines;
  const shiftControl = (gr[GR_MODE]! >> 5) & 3;
  const doubleScan = cr[CR_MAX_SCAN]! >> 7;
  const multiScan = shiftControl !== 1 ? (((cr[CR_MAX_SCAN]! & 0x1f) + 1) << doubleScan) - 1 : doubleScan;
  const halfClock = (sr[SR_CLOCK_MODE]! & 8) !== 0;
  const kind: LineKind = shiftControl === 0 ? 'planar4' : shiftControl === 1 ? 'cga2' : 'byte8';
  const dispWidth = kind !== 'byte8' && halfClock ? width * 2 : width;
  if (dispWidth > MAX_GRAPHICS_WIDTH || height > MAX_GRAPHICS_HEIGHT || width <= 0 || height <= 0) return null;
  const bwidth = (width * 4 + 7) >> 3;
  const lineOffset = regs.lineOffset;
  const lineCompare = regs.lineCompare;
  const crMode = cr[CR_MODE]!;
  const rowAddr = new Int32Array(height);
  let addr1 = regs.startAddress * 4;
  let y1 = 0;
  let multiRun = multiScan;
  for (let y = 0; y < height; y++) {
    let addr = addr1;
    if (!(crMode & 1)) {
      // CGA compatibility: scanline bit 0 replaces address bit 13 (or 14)
      const shift = 14 + ((crMode >> 6) & 1);
      addr = (addr & ~(1 << shift)) | ((y1 & 1) << shift);
    }
    if (!(crMode & 2)) addr = (addr & ~0x8000) | ((y1 & 2) << 14);
    rowAddr[y] = addr % vramSize;
    if (!multiRun) {
      const mask = (crMode & 3) ^ 3;
      if ((y1 & mask) === mask) addr1 += lineOffset;
      y1++;
      multiRun = multiScan;
    } else multiRun--;
    if (y === lineCompare) addr1 = 0; // line compare acts on the displayed lines
  }
  const pxPerByte = dispWidth / bwidth;
  const key = `${kind}:${width}:${dispWidth}:${height}:${regs.startAddress}:${lineOffset}:${lineCompare}:${cr[CR_MAX_SCAN]}:${crMode}`;
  return { kind, width, dispWidth, height, bwidth, rowAddr, pxPerByte, key };
}
