// Text mode's cell cache: each cell's character/attribute key as last drawn, so that a refresh
// redraws only the cells that changed (as Xen 3.3's device model did), a blink toggle only the
// cursor's cell and the blinking characters (a list kept by the full pass), and a new cursor shape
// (CRTC 0x0A/0x0B, not part of a key) the cursor's cell.
import type { DirtyRegion } from '../display/dirty-region.js';
import { rowsEqual, type Surface } from '../display/surface.js';
import { cellColours, cellKey, drawCell, type TextLayout } from './render/text.js';

export interface TextCounters {
  cellsCompared: number;
  cellsDrawn: number;
}

export class TextCells {
  #cells = new Int32Array(0);
  #cursorShape = -1;
  /** The cells whose attribute blinks (bit 7), as of the last full pass: #blinkCells[0 .. #blinkCount). */
  #blinkCells = new Int32Array(0);
  #blinkCount = 0;
  /** A cell's pixels before it is drawn again, to report only the rows that changed. */
  #before = new Uint32Array(0);

  constructor(private readonly counters: TextCounters) {}

  /** Whether the cache holds this layout's cells (else only a full redraw can fill it). */
  holds(l: TextLayout): boolean {
    return this.#cells.length === l.cols * l.rows;
  }

  /**
   * Only time has passed (no store, no register change): only the cursor's cell and the blinking
   * characters can look different. Redraw those that do; no pass over the screen, no allocation.
   */
  redrawBlinking(surface: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, cursorOn: boolean, charsOn: boolean, out: DirtyRegion): void {
    if (l.cursorCell >= 0) this.#redrawCell(surface, vram, l, pal, l.cursorCell, cursorOn, charsOn, out);
    if (!l.blinkEnable) return;
    const cells = this.#blinkCells;
    for (let k = 0; k < this.#blinkCount; k++) if (cells[k] !== l.cursorCell) this.#redrawCell(surface, vram, l, pal, cells[k]!, cursorOn, charsOn, out);
  }

  #redrawCell(surface: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, i: number, cursorOn: boolean, charsOn: boolean, out: DirtyRegion): void {
    this.counters.cellsCompared++;
    const key = cellKey(vram, l, i, cursorOn, charsOn);
    if (key !== this.#cells[i]) this.#draw(surface, vram, l, pal, i, key, out, false);
  }

  /**
   * Cell i as `key`: cached, drawn, and the rows of it whose pixels changed reported (a cursor
   * toggle is its 2 scanlines, not the cell's 16; a blinking character its glyph's rows). With
   * `whole` (a full repaint: what was there is not known to be on the surface) the whole cell.
   */
  #draw(surface: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, i: number, key: number, out: DirtyRegion, whole: boolean): void {
    this.#cells[i] = key;
    const x = (i % l.cols) * l.cw;
    const y = ((i / l.cols) | 0) * l.ch;
    const d = surface.data;
    const w = surface.width;
    const cw = l.cw;
    const ch = l.ch;
    if (!whole && this.#before.length < cw * ch) this.#before = new Uint32Array(cw * ch);
    const b = this.#before;
    // a plain loop: a subarray per row would allocate 16 views a cell
    if (!whole) for (let r = 0, k = 0; r < ch; r++) for (let o = (y + r) * w + x, e = o + cw; o < e; o++) b[k++] = d[o]!;
    drawCell(surface, vram, l, pal, i, key);
    this.counters.cellsDrawn++;
    let first = 0;
    let last = ch - 1;
    if (!whole) {
      while (first < ch && rowsEqual(d, (y + first) * w + x, b, first * cw, cw)) first++;
      if (first === ch) return; // the same pixels (a blink of a character drawn in its background colour)
      while (rowsEqual(d, (y + last) * w + x, b, last * cw, cw)) last--;
    }
    out.addRect({ x, y: y + first, w: cw, h: last - first + 1 });
  }

  /** Compare every cell and redraw those that changed (all with `full`, those of `changedColours`' palette entries). */
  redraw(surface: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, changedColours: number, full: boolean, cursorOn: boolean, charsOn: boolean, out: DirtyRegion): void {
    const n = l.cols * l.rows;
    if (this.#cells.length !== n) {
      this.#cells = new Int32Array(n);
      this.#blinkCells = new Int32Array(n);
      full = true;
    }
    const cells = this.#cells;
    const blinkCells = this.#blinkCells;
    let blinkCount = 0;
    this.counters.cellsCompared += n;
    // the cursor's shape (CRTC 0x0A/0x0B) is not in a cell's key: a new shape redraws the cursor's cell
    const shape = (l.cursorStart << 8) | l.cursorEnd;
    const reshaped = shape !== this.#cursorShape;
    this.#cursorShape = shape;
    for (let i = 0; i < n; i++) {
      const key = cellKey(vram, l, i, cursorOn, charsOn);
      if (key & 0x8000) blinkCells[blinkCount++] = i;
      let draw = full || key !== cells[i] || (reshaped && i === l.cursorCell);
      if (!draw && changedColours) {
        const [fg, bg] = cellColours((key >> 8) & 0xff, l.blinkEnable);
        draw = ((changedColours >> fg) & 1) !== 0 || ((changedColours >> bg) & 1) !== 0;
      }
      if (draw) this.#draw(surface, vram, l, pal, i, key, out, full);
    }
    this.#blinkCount = blinkCount;
  }

  /** Whether a drawn cell has its blink attribute set (its characters blink). */
  get anyBlinking(): boolean {
    return this.#blinkCount > 0;
  }
}
