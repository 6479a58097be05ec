// AssemblyScript: Tight's gradient filter (src/rfb/encodings/tight.ts, gradient888) with 128-bit
// SIMD, four pixels a step, compiled to WebAssembly by scripts/build-wasm.mjs. Each component's
// prediction L + U - UL is taken from the source pixels (never from residuals), so the pixels of a
// row are independent: the four predictions come from four loads, widened to 16 bits, added, and
// narrowed back with unsigned saturation, which is the filter's clamp to 0..255; the residual is
// the byte difference (modulo 256), and one swizzle picks R, G, B of the four pixels.
//
// Memory: tight.ts lays the block out above heapBase() as (h + 1) rows of (w + 1) pixels, row 0
// and column 0 zero (the filter's neighbours outside the rectangle), then the output area of
// w * h * 3 bytes; each area has 16 bytes to spare (a step reads and writes 16 bytes).

import { heapStart } from './colour-table';

/** Where the caller lays the block out (and the text layers' column pass its areas). */
export function heapBase(): usize {
  return heapStart();
}

/**
 * The gradient filter's output for the laid-out block at src into out: R, G, B residuals of
 * each pixel, rows in order. ri, gi, bi: the byte of a pixel value holding R, G and B (its shift / 8).
 */
export function gradient888(src: usize, w: i32, h: i32, out: usize, ri: i32, gi: i32, bi: i32): void {
  // lanes 3p .. 3p + 2 take pixel p's R, G, B bytes; lanes 12-15 are zero (overwritten by the next step)
  const pick = ri | (gi << 8) | (bi << 16);
  let mask = i32x4.splat(-1);
  mask = i32x4.replace_lane(mask, 0, pick | ((ri + 4) << 24));
  mask = i32x4.replace_lane(mask, 1, (gi + 4) | ((bi + 4) << 8) | ((ri + 8) << 16) | ((gi + 8) << 24));
  mask = i32x4.replace_lane(mask, 2, (bi + 8) | ((ri + 12) << 8) | ((gi + 12) << 16) | ((bi + 12) << 24));
  const stride = <usize>(w + 1) << 2;
  const rowBytes = <usize>w * 3;
  let up = src;
  let o = out;
  for (let y = 0; y < h; y++) {
    const cur = up + stride;
    let p = o;
    for (let x = 0; x < w; x += 4) {
      const at = <usize>x << 2;
      const v = v128.load(cur + at, 4);
      const l = v128.load(cur + at);
      const u = v128.load(up + at, 4);
      const ul = v128.load(up + at);
      const lo = i16x8.sub(i16x8.add(i16x8.extend_low_i8x16_u(l), i16x8.extend_low_i8x16_u(u)), i16x8.extend_low_i8x16_u(ul));
      const hi = i16x8.sub(i16x8.add(i16x8.extend_high_i8x16_u(l), i16x8.extend_high_i8x16_u(u)), i16x8.extend_high_i8x16_u(ul));
      v128.store(p, i8x16.swizzle(i8x16.sub(v, i8x16.narrow_i16x8_u(lo, hi)), mask));
      p += 12;
    }
    up = cur;
    o += rowBytes;
  }
}
