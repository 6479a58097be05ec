// FramebufferUpdateRequests as a session receives them: O(1) each, with no allocation, whatever
// their number. They only record what was asked (the bounds of the areas, and of the
// non-incremental ones); once the batch of messages they came in is handled, the session acts on
// them once: one refresh, the non-incremental area marked dirty once, one update built. 40,000
// full-screen requests in one write cost 40,000 records and one marking, not 40,000 markings
// (each ~100 µs at 1024x768).
import type { DirtyRegion } from '../display/dirty-region.js';
import type { Rect } from '../display/surface.js';

/** The smallest rectangle holding a and b. */
export function boundingRect(a: Rect | null, b: Rect): Rect {
  if (!a) return { ...b };
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/** Bounds as x0, y0, x1, y1 (x1 <= x0: empty). */
class Bounds {
  x0 = 0;
  y0 = 0;
  x1 = 0;
  y1 = 0;

  get empty(): boolean {
    return this.x1 <= this.x0;
  }

  add(x0: number, y0: number, x1: number, y1: number): void {
    if (this.empty) {
      this.x0 = x0;
      this.y0 = y0;
      this.x1 = x1;
      this.y1 = y1;
      return;
    }
    if (x0 < this.x0) this.x0 = x0;
    if (y0 < this.y0) this.y0 = y0;
    if (x1 > this.x1) this.x1 = x1;
    if (y1 > this.y1) this.y1 = y1;
  }

  rect(): Rect {
    return { x: this.x0, y: this.y0, w: this.x1 - this.x0, h: this.y1 - this.y0 };
  }

  clear(): void {
    this.x1 = this.x0 = 0;
  }
}

export class UpdateRequests {
  /** Bounds of every area asked for in this batch. */
  #area = new Bounds();
  /** Bounds of the non-incremental ones (the client lost those pixels: they are all sent). */
  #full = new Bounds();

  get any(): boolean {
    return !this.#area.empty;
  }

  /** Whether a non-incremental request is among them (the surface must be fresh). */
  get full(): boolean {
    return !this.#full.empty;
  }

  /** One request, clipped to a width x height screen (an area wholly outside it: the whole screen). */
  add(incremental: boolean, x: number, y: number, w: number, h: number, width: number, height: number): void {
    let x1 = Math.min(width, x + w);
    let y1 = Math.min(height, y + h);
    if (x1 <= x || y1 <= y) {
      x = y = 0;
      x1 = width;
      y1 = height;
    }
    this.#area.add(x, y, x1, y1);
    if (!incremental) this.#full.add(x, y, x1, y1);
  }

  /**
   * Act on the batch: mark the non-incremental area in `region` (null: it is about to be replaced,
   * all dirty); return the area to answer (the bounds of what was asked and of what is still
   * waiting, `pending`). Clears the batch.
   */
  take(pending: Rect | null, region: DirtyRegion | null): Rect {
    if (!this.#full.empty) region?.addRect(this.#full.rect());
    const asked = this.#area.rect();
    this.#area.clear();
    this.#full.clear();
    return pending ? boundingRect(pending, asked) : asked;
  }

  /** The surface changed size: everything is dirty and will be sent; keep areas within it. */
  resized(width: number, height: number): void {
    if (!this.#area.empty) {
      this.#area.clear();
      this.#area.add(0, 0, width, height);
    }
    this.#full.clear();
  }
}
