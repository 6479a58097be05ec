// Text mode's cell cache: each cell's character/attribute key as last drawn, so that a refresh
// redraws only the cells that changed (as Xen 3.3's device model did), a cursor blink only the
// cursor's cell, and a new cursor shape (CRTC 0x0A/0x0B, not part of a key) the cursor's cell.
import type { DirtyRegion } from '../display/dirty-region.js';
import type { Surface } from '../display/surface.js';
import { cellColours, cellKey, drawCell, type TextLayout } from './render/text.js';

export interface TextCounters {
  cellsCompared: number;
  cellsDrawn: number;
}

export class TextCells {
  #cells = new Int32Array(0);
  #cursorShape = -1;
  #lastCharsOn = true;

  constructor(private readonly counters: TextCounters) {}

  /** Whether only the cursor can have changed since the last redraw (the characters' blink phase is as it was). */
  onlyCursorBlinks(l: TextLayout, charsOn: boolean): boolean {
    return this.#cells.length === l.cols * l.rows && !(l.blinkEnable && charsOn !== this.#lastCharsOn);
  }

  /** A cursor blink: only the cursor's cell can differ (no pass over the screen, no allocation). */
  redrawCursor(surface: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, cursorOn: boolean, charsOn: boolean, out: DirtyRegion): void {
    const i = l.cursorCell;
    if (i < 0 || i >= l.cols * l.rows) return;
    this.counters.cellsCompared++;
    const key = cellKey(vram, l, i, cursorOn, charsOn);
    if (key === this.#cells[i]) return;
    this.#cells[i] = key;
    drawCell(surface, vram, l, pal, i, key);
    this.counters.cellsDrawn++;
    out.addRect({ x: (i % l.cols) * l.cw, y: ((i / l.cols) | 0) * l.ch, w: l.cw, h: l.ch });
  }

  /** Compare every cell and redraw those that changed (all with `full`, those of `changedColours`' palette entries). */
  redraw(surface: Surface, vram: Uint8Array, l: TextLayout, pal: Uint32Array, changedColours: number, full: boolean, cursorOn: boolean, charsOn: boolean, out: DirtyRegion): void {
    this.#lastCharsOn = charsOn;
    const n = l.cols * l.rows;
    if (this.#cells.length !== n) {
      this.#cells = new Int32Array(n);
      full = true;
    }
    const cells = this.#cells;
    this.counters.cellsCompared += n;
    // the cursor's shape (CRTC 0x0A/0x0B) is not in a cell's key: a new shape redraws the cursor's cell
    const shape = (l.cursorStart << 8) | l.cursorEnd;
    const reshaped = shape !== this.#cursorShape;
    this.#cursorShape = shape;
    for (let i = 0; i < n; i++) {
      const key = cellKey(vram, l, i, cursorOn, charsOn);
      let draw = full || key !== cells[i] || (reshaped && i === l.cursorCell);
      if (!draw && changedColours) {
        const [fg, bg] = cellColours((key >> 8) & 0xff, l.blinkEnable);
        draw = ((changedColours >> fg) & 1) !== 0 || ((changedColours >> bg) & 1) !== 0;
      }
      if (!draw) continue;
      cells[i] = key;
      drawCell(surface, vram, l, pal, i, key);
      this.counters.cellsDrawn++;
      const col = i % l.cols;
      const row = (i / l.cols) | 0;
      out.addRect({ x: col * l.cw, y: row * l.ch, w: l.cw, h: l.ch });
    }
  }

  /** Whether a drawn cell has its blink attribute set (its characters blink). */
  get anyBlinking(): boolean {
    const cells = this.#cells;
    for (let i = 0; i < cells.length; i++) if (cells[i]! & 0x8000) return true;
    return false;
  }
}
