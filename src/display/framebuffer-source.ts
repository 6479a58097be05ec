// A DisplaySource for an embedder's own framebuffer: an RGBA buffer you draw into, then say which
// rectangles you changed. Nothing is scanned: update() converts just those rectangles into the
// surface and reports them, so only they are encoded and sent.
import { DirtyRegion } from './dirty-region.js';
import type { CursorShape, DisplaySource, SourceUpdate } from './source.js';
import { clipRect, Surface, type Rect } from './surface.js';

export class FramebufferSource implements DisplaySource {
  /** Draw here: width * height pixels, 4 bytes each (R, G, B, A; alpha is ignored). */
  readonly rgba: Uint8Array;
  surface: Surface;
  onChange: (() => void) | null = null;
  readonly idleCheckMs = null;
  readonly canNotify = true;
  readonly counters = { updates: 0, rectsMarked: 0, pixelsCopied: 0 };
  #region: DirtyRegion;
  #marked: Rect[] = [];
  #resized = true;
  #cursor: CursorShape | null = null;

  constructor(width: number, height: number) {
    FramebufferSource.#checkSize(width, height);
    this.rgba = new Uint8Array(width * height * 4);
    this.surface = new Surface(width, height);
    this.#region = new DirtyRegion(width, height);
  }

  static #checkSize(width: number, height: number): void {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384) {
      throw new RangeError(`framebuffer size must be 1..16384 x 1..16384, got ${width}x${height}`);
    }
  }

  get width(): number {
    return this.surface.width;
  }
  get height(): number {
    return this.surface.height;
  }

  /** You changed these pixels of `rgba`: they go to viewers with the next update. */
  markDirty(x: number, y: number, w: number, h: number): void {
    const r = clipRect({ x, y, w, h }, this.width, this.height);
    if (!r) return;
    this.counters.rectsMarked++;
    this.#marked.push(r);
    const ring = this.#marked.length === 1;
    if (ring) this.onChange?.();
  }

  /** Nothing to wait for once the marked rectangles are taken. */
  get quiescent(): boolean {
    return this.#marked.length === 0;
  }

  invalidate(): void {
    this.markDirty(0, 0, this.width, this.height);
  }

  /** Set (or clear) the pointer shape sent to viewers that take the Cursor pseudo-encoding. */
  setCursor(shape: CursorShape | null): void {
    this.#cursor = shape;
    this.onChange?.();
  }

  cursor(): CursorShape | null {
    return this.#cursor;
  }

  update(): SourceUpdate {
    this.counters.updates++;
    const out = this.#region;
    out.clear();
    const resized = this.#resized;
    this.#resized = false;
    const marked = resized ? [{ x: 0, y: 0, w: this.width, h: this.height }] : this.#marked;
    this.#marked = [];
    const src = this.rgba;
    const dst = this.surface.data;
    const w = this.width;
    for (const r of marked) {
      for (let y = r.y; y < r.y + r.h; y++) {
        for (let i = y * w + r.x, o = i * 4, end = i + r.w; i < end; i++, o += 4) {
          dst[i] = (src[o]! << 16) | (src[o + 1]! << 8) | src[o + 2]!;
        }
      }
      this.counters.pixelsCopied += r.w * r.h;
      out.addRect(r);
    }
    return { resized, region: out };
  }
}
