// AssemblyScript: the column pass of Tight's text layers (src/rfb/encodings/tight-layers.ts,
// markColumns), compiled to WebAssembly by scripts/build-wasm.mjs. Strips of eight columns go down
// the rows with each column's state in vector lanes, without a branch per pixel (text's pixels
// alternate between background and not too often for a branch to be predicted): a row's eight
// comparisons with the background are its byte of 1-bit data, and a lane's first pixel other than
// the background gives its colour, a later one of another colour makes it several. Columns past
// the last whole strip go one by one.

const EMPTY: u8 = 0;
const ONE: u8 = 1;
const MULTI: u8 = 2;

/**
 * For each column of the h rows of w pixels at src (rows packed), whether it has no pixel other
 * than bg, pixels of one other colour (and which) or of several: state (u8[w]: 0, 1, 2) and
 * colour (u32[w]; left as it was for an empty column); and the rows' 1-bit data at bits (rb bytes
 * a row, zeroed here), a bit set for every pixel other than bg, the leftmost in bit 7.
 */
export function markColumns(src: usize, w: i32, h: i32, bg: u32, state: usize, colour: usize, bits: usize, rb: i32): void {
  memory.fill(bits, 0, <usize>rb * <usize>h);
  const all = i32x4.splat(bg);
  const zero = i32x4.splat(0);
  const stride = <usize>w << 2;
  const whole = w & ~7;
  for (let x = 0; x < whole; x += 8) {
    let c0 = zero;
    let c1 = zero;
    let seen0 = zero; // lanes: -1 once the column had a pixel other than bg
    let seen1 = zero;
    let multi0 = zero; // -1 once it had two such colours
    let multi1 = zero;
    let p = src + (<usize>x << 2);
    let b = bits + (<usize>x >> 3);
    for (let y = 0; y < h; y++) {
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const e0 = i32x4.eq(v0, all);
      const e1 = i32x4.eq(v1, all);
      // the eight pixels' bits, the leftmost highest: the lanes reversed, then one bit per lane
      const eq = i16x8.bitmask(i16x8.shuffle(i16x8.narrow_i32x4_s(e0, e1), i16x8.narrow_i32x4_s(e0, e1), 7, 6, 5, 4, 3, 2, 1, 0));
      store<u8>(b, <u8>~eq);
      const n0 = v128.not(e0);
      const n1 = v128.not(e1);
      c0 = v128.bitselect(v0, c0, v128.andnot(n0, seen0));
      c1 = v128.bitselect(v1, c1, v128.andnot(n1, seen1));
      seen0 = v128.or(seen0, n0);
      seen1 = v128.or(seen1, n1);
      multi0 = v128.or(multi0, v128.andnot(n0, i32x4.eq(c0, v0)));
      multi1 = v128.or(multi1, v128.andnot(n1, i32x4.eq(c1, v1)));
      p += stride;
      b += <usize>rb;
    }
    // state 0, 1, 2 = -(seen) - (multi); the colour where seen, else what was there
    const s = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(i32x4.sub(i32x4.sub(zero, seen0), multi0), i32x4.sub(i32x4.sub(zero, seen1), multi1)), zero);
    store<u64>(state + <usize>x, i64x2.extract_lane(s, 0));
    const at = colour + (<usize>x << 2);
    v128.store(at, v128.bitselect(c0, v128.load(at), seen0));
    v128.store(at, v128.bitselect(c1, v128.load(at, 16), seen1), 16);
  }
  for (let x = whole; x < w; x++) {
    let s = EMPTY;
    let c = load<u32>(colour + (<usize>x << 2));
    let p = src + (<usize>x << 2);
    let b = bits + (<usize>x >> 3);
    const bit = <u8>(<u32>0x80 >> <u32>(x & 7));
    for (let y = 0; y < h; y++, p += stride, b += <usize>rb) {
      const v = load<u32>(p);
      if (v == bg) continue;
      store<u8>(b, load<u8>(b) | bit);
      if (s == EMPTY) {
        s = ONE;
        c = v;
      } else if (c != v) s = MULTI;
    }
    store<u8>(state + <usize>x, s);
    store<u32>(colour + (<usize>x << 2), c);
  }
}
