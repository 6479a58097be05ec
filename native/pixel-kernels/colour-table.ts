// AssemblyScript: what the pixel kernels share: where their memory starts, and the colour table of
// the palette passes (Tight's palette.ts, ZRLE's zrle.ts), as src/rfb/encodings/colour-index.ts is
// for the TypeScript: open addressing on a multiplicative hash, each slot's value (u32) and its
// palette index + 1 (i32; 0: empty), the palette itself in order of first appearance.

/** The first 16-byte boundary of the heap: every kernel's areas start here. */
export function heapStart(): usize {
  return (__heap_base + 15) & ~15;
}

/** Bytes a table of `slots` slots takes (the values, then the indexes). */
export function tableBytes(slots: u32): usize {
  return <usize>slots << 3;
}

/** Empty the table at t of `slots` slots. */
export function clearTable(t: usize, slots: u32): void {
  memory.fill(t + (<usize>slots << 2), 0, <usize>slots << 2);
}

/**
 * v's index in the palette of the table at t (slots = mask + 1), which holds `size` colours (at
 * pal, u32): the index it has, or `size` when v is new and added (at pal[size]), or -1 when v is new
 * and the palette holds `limit` already.
 */
@inline
export function put(t: usize, mask: u32, v: u32, pal: usize, size: i32, limit: i32): i32 {
  const entries = t + ((<usize>mask + 1) << 2);
  let h = ((v * 0x9e3779b1) >>> 22) & mask;
  for (;;) {
    const e = load<i32>(entries + (<usize>h << 2));
    if (e == 0) break;
    if (load<u32>(t + (<usize>h << 2)) == v) return e - 1;
    h = (h + 1) & mask;
  }
  if (size >= limit) return -1;
  store<u32>(t + (<usize>h << 2), v);
  store<i32>(entries + (<usize>h << 2), size + 1);
  store<u32>(pal + (<usize>size << 2), v);
  return size;
}
