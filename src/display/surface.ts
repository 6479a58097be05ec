// The display surface: what the viewer should see, one 0x00RRGGBB u32 per pixel, and rectangles on it.

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export class Surface {
  /** Pixels, row after row, `width` per row (native format: see NATIVE_FORMAT in rfb/pixel-format.ts). */
  readonly data: Uint32Array;

  constructor(readonly width: number, readonly height: number) {
    this.data = new Uint32Array(width * height);
  }

  /** An RGBA copy (for PNG), alpha opaque. */
  toRgba(): Buffer {
    return nativeToRgba(this.data, this.width, this.height);
  }
}

/** Convert native 0x00RRGGBB pixels (packed rows) into RGBA bytes. */
export function nativeToRgba(src: Uint32Array, width: number, height: number): Buffer {
  const out = Buffer.allocUnsafe(width * height * 4);
  for (let i = 0, o = 0; i < width * height; i++, o += 4) {
    const p = src[i]!;
    out[o] = (p >>> 16) & 0xff;
    out[o + 1] = (p >>> 8) & 0xff;
    out[o + 2] = p & 0xff;
    out[o + 3] = 0xff;
  }
  return out;
}

/** Clip r to a width x height framebuffer; null when nothing is left. */
/** Whether n pixels of a from ai equal those of b from bi. */
export function rowsEqual(a: Uint32Array, ai: number, b: Uint32Array, bi: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}

export function clipRect(r: Rect, width: number, height: number): Rect | null {
  const x0 = Math.max(0, r.x);
  const y0 = Math.max(0, r.y);
  const x1 = Math.min(width, r.x + r.w);
  const y1 = Math.min(height, r.y + r.h);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** The smallest rectangle holding both a and b. */
export function unionRect(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

export function rectArea(rects: readonly Rect[]): number {
  let a = 0;
  for (const r of rects) a += r.w * r.h;
  return a;
}
