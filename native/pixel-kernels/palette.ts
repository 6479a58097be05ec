// AssemblyScript: Tight's palette pass (src/rfb/encodings/tight.ts, countColours and what its runs
// become: one index byte per pixel, or the mono filter's bits), compiled to WebAssembly by
// scripts/build-wasm.mjs. The same palette in the same order (first appearance) and the same
// overflow point as the TypeScript: the values are hashed once per run, not for a run of the
// colour two runs back (text alternates two colours), and a run is stored four index bytes a step
// while four pixels at a time equal its value.
//
// Memory: the caller lays out the block's pixels (rows packed) and areas for the palette and the
// index bytes above tableEnd(); the colour table (colour-table.ts) sits at the start of the heap.

import { clearTable, heapStart, put, tableBytes } from './colour-table';

const SLOTS: u32 = 1024; // > 2 x the largest palette (256): probes stay short
const MASK: u32 = SLOTS - 1;

/** Where the caller's areas may start (after the colour table). */
export function tableEnd(): usize {
  return heapStart() + tableBytes(SLOTS);
}

/**
 * The number of distinct values of the n pixels at src, into pal (u32, in order of first
 * appearance), each pixel's palette index into idx (u8); -1 when there are more than limit.
 */
export function palette(src: usize, n: i32, pal: usize, idx: usize, limit: i32): i32 {
  const t = heapStart();
  clearTable(t, SLOTS);
  let prev = load<u32>(src);
  let prevI: u32 = <u32>put(t, MASK, prev, pal, 0, limit);
  let size = 1;
  let back: u32 = 0;
  let backI: u32 = 0;
  let hasBack = false;
  let i = 0;
  while (i < n) {
    const v = load<u32>(src + (<usize>i << 2));
    if (v == prev) {
      store<u8>(idx + <usize>i, <u8>prevI);
      i++;
      // the rest of a run four pixels at a time
      const same = i32x4.splat(prev);
      const fill = prevI * 0x01010101;
      while (i + 4 <= n && i32x4.all_true(i32x4.eq(v128.load(src + (<usize>i << 2)), same))) {
        store<u32>(idx + <usize>i, fill);
        i += 4;
      }
      continue;
    }
    let vi: u32;
    if (hasBack && v == back) vi = backI;
    else {
      const found = put(t, MASK, v, pal, size, limit);
      if (found < 0) return -1;
      if (found == size) size++;
      vi = <u32>found;
    }
    store<u8>(idx + <usize>i, <u8>vi);
    i++;
    back = prev;
    backI = prevI;
    hasBack = true;
    prev = v;
    prevI = vi;
  }
  return size;
}

/**
 * The mono filter's data from index bytes (0 or 1) of a w x h block: 1 bit per pixel, the leftmost
 * in bit 7, each row padded to a byte. Returns the bytes written.
 */
export function monoBits(idx: usize, w: i32, h: i32, out: usize): i32 {
  let o = out;
  let p = idx;
  for (let y = 0; y < h; y++) {
    let x = 0;
    // eight pixels a byte: their index bytes' low bits, gathered high first
    for (; x + 8 <= w; x += 8) {
      const b = load<u64>(p + <usize>x);
      const m = (b * 0x8040201008040201) >>> 56;
      store<u8>(o++, <u8>m);
    }
    if (x < w) {
      let acc: u32 = 0;
      let bit: u32 = 0x80;
      for (; x < w; x++, bit >>= 1) if (load<u8>(p + <usize>x)) acc |= bit;
      store<u8>(o++, <u8>acc);
    }
    p += <usize>w;
  }
  return <i32>(o - out);
}
