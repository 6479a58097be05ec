// AssemblyScript: ZRLE's tile pass (src/rfb/encodings/zrle.ts, encodeBand and encodeFromRuns with
// writePackedRuns) for 3-byte little-endian CPIXELs, compiled to WebAssembly by
// scripts/build-wasm.mjs. The same runs, the same palette in the same order, the same exact sizes
// and the same choice among raw, solid, packed palette, palette RLE and plain RLE, written the same
// way: zrle.ts stays the reference and the fallback, and the tests compare the two byte for byte.
// Runs are closed pixel by pixel, and skipped four pixels a step while four equal the run's value.
//
// Memory: the scratch (runs and palette of one tile) at the start of the heap; the caller lays the
// band's pixels (rows packed) and the output above zrleScratchEnd().

import { clearTable, heapStart, put, tableBytes } from './colour-table';

const TILE: i32 = 4096; // pixels a tile holds at most
const SLOTS: u32 = 256; // > 2 x the palette's 127 colours
const MASK: u32 = SLOTS - 1;
const LIMIT: i32 = 127;

function runColour(): usize {
  return heapStart();
}
function runLength(): usize {
  return runColour() + (<usize>TILE << 2);
}
function runIndex(): usize {
  return runLength() + (<usize>TILE << 2);
}
function table(): usize {
  return runIndex() + <usize>TILE;
}
function colours(): usize {
  return table() + tableBytes(SLOTS);
}

/** Where the caller's areas may start. */
export function zrleScratchEnd(): usize {
  return colours() + 512;
}

@inline
function putC(o: usize, v: u32): usize {
  store<u16>(o, <u16>v);
  store<u8>(o, <u8>(v >>> 16), 2);
  return o + 3;
}

/** Run length - 1 as 255s and a final byte < 255. */
function putRunLength(o: usize, len: u32): usize {
  let n = len - 1;
  while (n >= 255) {
    store<u8>(o++, 255);
    n -= 255;
  }
  store<u8>(o++, <u8>n);
  return o;
}

/**
 * The ZRLE tiles of a band (w x h pixels, h <= 64, rows packed at src) cut tileW wide, left to
 * right, written from out; returns the bytes written (at most w * h * 3 + one per tile).
 */
export function zrleBand(src: usize, w: i32, h: i32, tileW: i32, out: usize): i32 {
  const rc = runColour();
  const rl = runLength();
  let o = out;
  for (let tx = 0; tx < w; tx += tileW) {
    const tw = w - tx < tileW ? w - tx : tileW;
    const base = src + (<usize>tx << 2);
    let n = 0;
    let prev = load<u32>(base);
    let start = 0;
    for (let y = 0; y < h; y++) {
      const row = base + (<usize>(y * w) << 2);
      const toTile = y * tw;
      let x = 0;
      while (x < tw) {
        const v = load<u32>(row + (<usize>x << 2));
        if (v == prev) {
          x++;
          const same = i32x4.splat(prev);
          while (x + 4 <= tw && i32x4.all_true(i32x4.eq(v128.load(row + (<usize>x << 2)), same))) x += 4;
          continue;
        }
        store<u32>(rc + (<usize>n << 2), prev);
        store<u32>(rl + (<usize>n << 2), toTile + x - start);
        n++;
        start = toTile + x;
        prev = v;
        x++;
      }
    }
    if (n == 0) {
      store<u8>(o, 1); // solid
      o = putC(o + 1, prev);
      continue;
    }
    store<u32>(rc + (<usize>n << 2), prev);
    store<u32>(rl + (<usize>n << 2), tw * h - start);
    n++;
    o = fromRuns(base, w, tw, h, n, o);
  }
  return <i32>(o - out);
}

/** One tile from its n runs (its pixels at base, rows w apart): the smallest subencoding. */
function fromRuns(base: usize, w: i32, tw: i32, h: i32, n: i32, o: usize): usize {
  const rc = runColour();
  const rl = runLength();
  const ri = runIndex();
  const t = table();
  const pal = colours();
  clearTable(t, SLOTS);
  let size = 0;
  let palOk = true;
  let c1: u32 = 0;
  let i1 = 0;
  let has1 = false;
  let c2: u32 = 0;
  let i2 = 0;
  let has2 = false;
  let multi = 0;
  let extra = 0;
  for (let r = 0; r < n; r++) {
    const len = load<u32>(rl + (<usize>r << 2));
    if (len > 1) {
      multi++;
      if (len > 255) extra += <i32>((len - 1) / 255);
    }
    if (palOk) {
      const c = load<u32>(rc + (<usize>r << 2));
      let i: i32;
      if (has2 && c == c2) i = i2;
      else {
        i = put(t, MASK, c, pal, size, LIMIT);
        if (i < 0) palOk = false;
        else if (i == size) size++;
      }
      store<u8>(ri + <usize>r, <u8>i);
      c2 = c1;
      i2 = i1;
      has2 = has1;
      c1 = c;
      i1 = i;
      has1 = true;
    }
  }
  const ncol = palOk ? size : 128;
  const rawSize = tw * h * 3;
  const plainRle = n * 3 + n + extra;
  const palRle = palOk ? ncol * 3 + n + multi + extra : i32.MAX_VALUE;
  const bits = ncol <= 2 ? 1 : ncol <= 4 ? 2 : ncol <= 16 ? 4 : 0;
  const packed = bits ? ncol * 3 + h * ((tw * bits + 7) >> 3) : i32.MAX_VALUE;
  let best = rawSize < plainRle ? rawSize : plainRle;
  if (palRle < best) best = palRle;
  if (packed < best) best = packed;
  if (best == rawSize) {
    store<u8>(o++, 0);
    for (let y = 0; y < h; y++) {
      const row = base + (<usize>(y * w) << 2);
      for (let x = 0; x < tw; x++) o = putC(o, load<u32>(row + (<usize>x << 2)));
    }
  } else if (best == packed) {
    store<u8>(o++, <u8>ncol);
    for (let c = 0; c < ncol; c++) o = putC(o, load<u32>(pal + (<usize>c << 2)));
    // bits per pixel, the leftmost highest, each row padded to a byte
    let x = 0;
    let acc: u32 = 0;
    let nb = 0;
    for (let r = 0; r < n; r++) {
      const idx = <u32>load<u8>(ri + <usize>r);
      let len = load<u32>(rl + (<usize>r << 2));
      for (; len > 0; len--) {
        acc = (acc << bits) | idx;
        nb += bits;
        x++;
        if (nb == 8) {
          store<u8>(o++, <u8>acc);
          acc = 0;
          nb = 0;
        }
        if (x == tw) {
          if (nb > 0) {
            store<u8>(o++, <u8>(acc << (8 - nb)));
            acc = 0;
            nb = 0;
          }
          x = 0;
        }
      }
    }
  } else if (best == palRle) {
    store<u8>(o++, <u8>(128 + ncol));
    for (let c = 0; c < ncol; c++) o = putC(o, load<u32>(pal + (<usize>c << 2)));
    for (let r = 0; r < n; r++) {
      const len = load<u32>(rl + (<usize>r << 2));
      const idx = load<u8>(ri + <usize>r);
      if (len == 1) store<u8>(o++, idx);
      else if (len <= 255) {
        store<u8>(o++, idx | 128);
        store<u8>(o++, <u8>(len - 1));
      } else {
        store<u8>(o++, idx | 128);
        o = putRunLength(o, len);
      }
    }
  } else {
    store<u8>(o++, 128);
    for (let r = 0; r < n; r++) {
      o = putC(o, load<u32>(rc + (<usize>r << 2)));
      o = putRunLength(o, load<u32>(rl + (<usize>r << 2)));
    }
  }
  return o;
}
