// Text mode rendering: character/attribute cells (planes 0 and 1) drawn with glyphs from plane 2,
// 8 or 9 dots wide, with the line-graphics 9th column, blink attribute and the hardware cursor.
// @see QEMU hw/display/vga.c vga_draw_text; FreeVGA "Attribute Controller Registers", "CRTC Registers"
import type { Surface } from '../../display/surface.js';
import {
  AR_MODE,
  CR_CURSOR_END,
  CR_CURSOR_START,
  CR_MAX_SCAN,
  SR01_CHAR_CLK_8DOTS,
  SR_CHARACTER_MAP,
  SR_CLOCK_MODE,
  type VgaRegisters,
} from '../registers.js';

/** Everything about the text screen's geometry that the registers say. */
export interface TextLayout {
  cols: number;
  rows: number;
  /** Cell width in pixels (8, 9, or 16 when the dot clock is halved). */
  cw: number;
  /** Cell height (CR09 max scan line + 1). */
  ch: number;
  width: number;
  height: number;
  /** VRAM byte offset of each character row's first cell. */
  rowBase: Int32Array;
  /** Font bases (VRAM byte offsets into plane 2) for attribute bit 3 clear / set. */
  fontBase: [number, number];
  /** Attribute mode control bit 2: characters 0xC0-0xDF extend into the 9th column. */
  lineGraphics: boolean;
  /** Attribute mode control bit 3: attribute bit 7 blinks instead of selecting a bright background. */
  blinkEnable: boolean;
  /** Cell index of the cursor relative to the screen start, or -1 if it is off or outside. */
  cursorCell: number;
  cursorStart: number;
  cursorEnd: number;
}

const MAX_CELLS = 160 * 100;

/** The text layout the registers describe, or null for a degenerate one (QEMU skips those too). */
export function textLayout(regs: VgaRegisters, vramSize: number): TextLayout | null {
  const { sr, cr, ar } = regs;
  const ch = (cr[CR_MAX_SCAN]! & 0x1f) + 1;
  let cw = sr[SR_CLOCK_MODE]! & SR01_CHAR_CLK_8DOTS ? 8 : 9;
  if (sr[SR_CLOCK_MODE]! & 0x08) cw = 16;
  const cols = regs.displayedChars;
  const rows = Math.floor(regs.displayedLines / ch);
  if (cols * rows <= 1 || cols * rows > MAX_CELLS) return null;
  const start = regs.startAddress;
  const lineOffset = regs.lineOffset;
  const lineCompare = regs.lineCompare;
  const rowBase = new Int32Array(rows);
  let offset = start * 4;
  let line = 0;
  for (let r = 0; r < rows; r++) {
    rowBase[r] = offset % vramSize;
    const next = line + ch;
    offset += lineOffset;
    // line compare restarts the display at address 0 (split screen), at character-row granularity here
    if (line < lineCompare && next >= lineCompare) offset = 0;
    line = next;
  }
  const v = sr[SR_CHARACTER_MAP]!;
  const fontB = (((v >> 4) & 1) | ((v << 1) & 6)) * 8192 * 4 + 2;
  const fontA = (((v >> 5) & 1) | ((v >> 1) & 6)) * 8192 * 4 + 2;
  let cursorCell = -1;
  if (!(cr[CR_CURSOR_START]! & 0x20)) {
    const c = regs.cursorAddress - start;
    if (c >= 0 && c < cols * rows) cursorCell = c;
  }
  return {
    cols,
    rows,
    cw,
    ch,
    width: cols * cw,
    height: rows * ch,
    rowBase,
    fontBase: [fontB, fontA],
    lineGraphics: (ar[AR_MODE]! & 0x04) !== 0,
    blinkEnable: (ar[AR_MODE]! & 0x08) !== 0,
    cursorCell,
    cursorStart: cr[CR_CURSOR_START]! & 0x1f,
    cursorEnd: cr[CR_CURSOR_END]! & 0x1f,
  };
}

/** Visual state of a cell besides its character and attribute: bit 16 cursor shown, bit 17 blinked off. */
export const CELL_CURSOR = 1 << 16;
export const CELL_BLINK_OFF = 1 << 17;

/** Blink phases at time `ms`: VGA's cursor toggles every 8 frames, blinking characters every 16. */
export function blinkPhases(ms: number, frameRate: number): { cursorOn: boolean; charsOn: boolean; frame: number } {
  const frame = Math.floor((ms * frameRate) / 1000);
  return { cursorOn: ((frame >> 3) & 1) === 0, charsOn: ((frame >> 4) & 1) === 0, frame };
}

/** The cache key of cell i: char | attr << 8 | visual flags. */
export function cellKey(vram: Uint8Array, l: TextLayout, i: number, cursorOn: boolean, charsOn: boolean): number {
  const row = (i / l.cols) | 0;
  const o = (l.rowBase[row]! + (i - row * l.cols) * 4) % vram.length;
  const c = vram[o]!;
  const a = vram[o + 1]!;
  let k = c | (a << 8);
  if (i === l.cursorCell && cursorOn) k |= CELL_CURSOR;
  if (l.blinkEnable && a & 0x80 && !charsOn) k |= CELL_BLINK_OFF;
  return k;
}

/** The foreground palette index of an attribute. */
const fgIndex = (attr: number): number => attr & 0x0f;
/** The background palette index of an attribute (blink enable takes its bit 3). */
const bgIndex = (attr: number, blinkEnable: boolean): number => (blinkEnable ? (attr >> 4) & 0x07 : attr >> 4);

/** Foreground and background palette indexes of an attribute (blink enable takes background bit 3). */
export function cellColours(attr: number, blinkEnable: boolean): [number, number] {
  return [fgIndex(attr), bgIndex(attr, blinkEnable)];
}

/** Draw cell i (with its cache key) into the surface using the 16-colour palette. */
export function drawCell(s: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, i: number, key: number): void {
  const col = i % l.cols;
  const row = (i / l.cols) | 0;
  const c = key & 0xff;
  const a = (key >> 8) & 0xff;
  // cellColours' indexes without its array: this runs at every blink of the cursor
  const fgi = fgIndex(a);
  const bgi = bgIndex(a, l.blinkEnable);
  const bg = pal[bgi]!;
  const fg = key & CELL_BLINK_OFF ? bg : pal[fgi]!;
  const font = l.fontBase[(a >> 3) & 1]! + c * 128;
  const dup9 = l.cw === 9 && l.lineGraphics && c >= 0xc0 && c <= 0xdf;
  // the cursor's rows (none when the cell has no cursor: first > last)
  const cursorFirst = key & CELL_CURSOR ? l.cursorStart : 1;
  const cursorLast = key & CELL_CURSOR ? Math.min(l.cursorEnd, l.ch - 1) : 0;
  const w = s.width;
  const d = s.data;
  const vlen = vram.length;
  for (let y = 0; y < l.ch; y++) {
    const cursorRow = y >= cursorFirst && y <= cursorLast;
    // the cursor lights full rows in the fg colour
    const bits = cursorRow ? 0xff : y < 32 ? vram[(font + y * 4) % vlen]! : 0;
    let o = (row * l.ch + y) * w + col * l.cw;
    const fgRow = cursorRow ? pal[fgi]! : fg;
    if (l.cw === 16) {
      for (let x = 0; x < 8; x++, o += 2) d[o] = d[o + 1] = bits & (0x80 >> x) ? fgRow : bg;
      continue;
    }
    for (let x = 0; x < 8; x++) d[o + x] = bits & (0x80 >> x) ? fgRow : bg;
    if (l.cw === 9) d[o + 8] = (dup9 || cursorRow) && bits & 1 ? fgRow : bg;
  }
}

/** Render the whole text screen (the ground truth, no caches). */
export function renderText(s: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, cursorOn: boolean, charsOn: boolean): void {
  for (let i = 0; i < l.cols * l.rows; i++) drawCell(s, vram, l, pal, i, cellKey(vram, l, i, cursorOn, charsOn));
}
