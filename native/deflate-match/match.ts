// AssemblyScript: the matching loops of src/rfb/wire/deflate.ts (its #greedy and #lazy with #insert,
// #longest, #takeMatch, #literal and #pair), compiled to WebAssembly by scripts/build-wasm.mjs. The
// same matches, the same symbols, the same frequencies: deflate.ts keeps every table and the block
// writer, as views of this module's memory, and calls greedy() and lazy() for its segments. Measured
// before choosing (the same greedy finder both ways, the same symbols): wasm 0.52-0.70x the
// TypeScript's time on the fixture frames' ZRLE streams.
//
// Memory: one instance per deflater; layout() reserves the areas and returns where they start.

const WSIZE: i32 = 32768;
const WMASK: i32 = WSIZE - 1;
const HBITS: i32 = 15;
const HSIZE: i32 = 1 << HBITS;
const HASH_MUL: u32 = 0x9e3779b1;
const MIN_MATCH: i32 = 3;
const MAX_MATCH: i32 = 258;
const TOO_FAR: i32 = 4096;

// area sizes in bytes (deflate.ts views them with the same sizes)
let BUF: usize = 0; // the window and one piece, 4 bytes more
let HEAD: usize = 0; // i32[HSIZE]: chain heads of 4-byte prefixes (global positions, -1 none)
let HEAD3: usize = 0; // i32[HSIZE]: last position of each 3-byte prefix
let PREV: usize = 0; // i32[WSIZE]: chain links by position & WMASK
let SYM: usize = 0; // u16[blockSyms]: literal < 256, else 256 + length - 3
let DIST: usize = 0; // u16[blockSyms]: distance (0: literal)
let LITF: usize = 0; // u32[288]
let DISTF: usize = 0; // u32[30]
let LENC: usize = 0; // u8[259]: length -> length code
let DISTC: usize = 0; // u8[512]: zlib's d_code table
let STATE: usize = 0; // i32[8]: nsym, matched, pairs, prevLen, prevDist, pending, block end, done
let SYMS: i32 = 0; // symbols per block

let free: usize = 0;

/** The next free area of n bytes (16-byte aligned). */
function take(n: usize): usize {
  const a = free;
  free = (free + n + 15) & ~15;
  return a;
}

/** Reserve the areas for a buffer of `bufBytes` and blocks of `blockSyms`; returns the offset table (i32[11]). */
export function layout(bufBytes: i32, blockSyms: i32): usize {
  free = (__heap_base + 15) & ~15;
  BUF = take(<usize>bufBytes);
  HEAD = take(<usize>HSIZE << 2);
  HEAD3 = take(<usize>HSIZE << 2);
  PREV = take(<usize>WSIZE << 2);
  SYM = take(<usize>blockSyms << 1);
  DIST = take(<usize>blockSyms << 1);
  LITF = take(288 << 2);
  DISTF = take(30 << 2);
  LENC = take(MAX_MATCH + 1);
  DISTC = take(512);
  STATE = take(32);
  const table = take(11 << 2);
  SYMS = blockSyms;
  const have = <usize>memory.size() << 16;
  if (free > have) memory.grow(<i32>((free - have + 65535) >> 16));
  store<i32>(table, <i32>BUF);
  store<i32>(table + 4, <i32>HEAD);
  store<i32>(table + 8, <i32>HEAD3);
  store<i32>(table + 12, <i32>PREV);
  store<i32>(table + 16, <i32>SYM);
  store<i32>(table + 20, <i32>DIST);
  store<i32>(table + 24, <i32>LITF);
  store<i32>(table + 28, <i32>DISTF);
  store<i32>(table + 32, <i32>LENC);
  store<i32>(table + 36, <i32>DISTC);
  store<i32>(table + 40, <i32>STATE);
  return table;
}

let cand3: i32 = -1;

/** Enter buffer position i in both tables (global position base + i); returns the chain's previous head. */
@inline function insert(i: i32, base: i32): i32 {
  const g = base + i;
  const v = bswap<u32>(load<u32>(BUF + <usize>i)); // big-endian, as deflate.ts's DataView
  const v3 = v >>> 8;
  const h3 = <usize>((v3 * HASH_MUL) >>> (32 - HBITS)) << 2;
  cand3 = load<i32>(HEAD3 + h3);
  store<i32>(HEAD3 + h3, g);
  const h = <usize>(((v3 ^ (v << 24)) * HASH_MUL) >>> (32 - HBITS)) << 2;
  const cand = load<i32>(HEAD + h);
  store<i32>(PREV + (<usize>(g & WMASK) << 2), cand);
  store<i32>(HEAD + h, g);
  return cand;
}

/** deflate.ts's #longest: the longest match for buffer position i longer than `best`, as length << 16 | distance, or 0. */
@inline function longest(i: i32, end: i32, cand: i32, best: i32, base: i32, chain: i32, nice: i32): i32 {
  const g = base + i;
  const limit = g - WSIZE > -1 ? g - WSIZE : -1;
  const maxLen = end - i < MAX_MATCH ? end - i : MAX_MATCH;
  let bestDist = 0;
  if (best >= maxLen) return 0;
  const here = load<u32>(BUF + <usize>i);
  let tail: u32 = best >= 3 ? load<u32>(BUF + <usize>(i + best - 3)) : <u32>load<u8>(BUF + <usize>(i + best));
  while (cand > limit && chain-- > 0) {
    const c = cand - base;
    const pass = best >= 3 ? load<u32>(BUF + <usize>(c + best - 3)) == tail : <u32>load<u8>(BUF + <usize>(c + best)) == tail;
    if (pass) {
      const x = load<u32>(BUF + <usize>c) ^ here;
      if ((x & 0xffffff) == 0) {
        let l = 3;
        if (x == 0 && maxLen > 3) {
          l = 4;
          while (l + 4 <= maxLen && load<u32>(BUF + <usize>(c + l)) == load<u32>(BUF + <usize>(i + l))) l += 4;
          while (l < maxLen && load<u8>(BUF + <usize>(c + l)) == load<u8>(BUF + <usize>(i + l))) l++;
        }
        if (l > best) {
          best = l;
          bestDist = g - cand;
          if (l >= nice || l >= maxLen) break;
          tail = load<u32>(BUF + <usize>(i + best - 3));
        }
      }
    }
    cand = load<i32>(PREV + (<usize>(cand & WMASK) << 2));
  }
  if (best == MIN_MATCH && bestDist > TOO_FAR) return 0;
  const c3 = cand3;
  if (best < MIN_MATCH && c3 > limit && g - c3 <= TOO_FAR && ((load<u32>(BUF + <usize>(c3 - base)) ^ here) & 0xffffff) == 0) {
    return (MIN_MATCH << 16) | (g - c3);
  }
  return bestDist == 0 ? 0 : (best << 16) | bestDist;
}

@inline function bump(table: usize, k: i32): void {
  const p = table + (<usize>k << 2);
  store<u32>(p, load<u32>(p) + 1);
}

// The block being gathered, loaded from STATE when a call starts and stored back when it returns:
// its symbol count, the input its matches cover and their number (deflate.ts's greedy/lazy choice),
// and where it ends once a symbol filled it.
let nsym: i32 = 0;
let matched: i32 = 0;
let pairs: i32 = 0;
let blockEnd: i32 = 0;

/** A literal: the byte at buffer position i (deflate.ts's #literal). */
@inline function literal(i: i32): void {
  const b = <i32>load<u8>(BUF + <usize>i);
  store<u16>(SYM + (<usize>nsym << 1), <u16>b);
  store<u16>(DIST + (<usize>nsym << 1), 0);
  bump(LITF, b);
  if (++nsym == SYMS) blockEnd = i + 1;
}

/**
 * The match at buffer position at, and the positions it covers from `from` on entered in the tables
 * (those before are in them); returns the position after it (deflate.ts's #takeMatch and #pair).
 */
@inline function takeMatch(at: i32, len: i32, dist: i32, from: i32, end: i32, base: i32): i32 {
  matched += len;
  pairs++;
  store<u16>(SYM + (<usize>nsym << 1), <u16>(256 + len - MIN_MATCH));
  store<u16>(DIST + (<usize>nsym << 1), <u16>dist);
  bump(LITF, 257 + <i32>load<u8>(LENC + <usize>len));
  bump(DISTF, <i32>load<u8>(DISTC + <usize><u32>(dist <= 256 ? dist - 1 : 256 + ((dist - 1) >> 7))));
  if (++nsym == SYMS) blockEnd = at + len;
  const last = at + len < end - MIN_MATCH + 1 ? at + len : end - MIN_MATCH + 1;
  for (let k = from; k < last; k++) insert(k, base);
  return at + len;
}

@inline function loadBlock(): void {
  nsym = load<i32>(STATE);
  matched = load<i32>(STATE + 4);
  pairs = load<i32>(STATE + 8);
}

@inline function storeBlock(): void {
  store<i32>(STATE, nsym);
  store<i32>(STATE + 4, matched);
  store<i32>(STATE + 8, pairs);
  store<i32>(STATE + 24, blockEnd);
}

/**
 * Greedy matching from buffer position i until stop (matches may reach on to end), as deflate.ts's
 * #greedy; returns where it stopped: at stop, or right after the symbol that filled the block
 * (nsym = blockSyms: the caller writes the block and calls again from there).
 */
export function greedy(i: i32, stop: i32, end: i32, base: i32, chain: i32, nice: i32): i32 {
  loadBlock();
  while (i < stop && nsym < SYMS) {
    let len = 0;
    let dist = 0;
    if (i + MIN_MATCH <= end) {
      const m = longest(i, end, insert(i, base), MIN_MATCH - 1, base, chain, nice);
      len = m >>> 16;
      dist = m & 0xffff;
    }
    if (len >= MIN_MATCH) i = takeMatch(i, len, dist, i + 1, end, base);
    else literal(i++);
  }
  storeBlock();
  return i;
}

// ----- lazy: deflate.ts's #lazy (zlib's deflate_slow) -----

/**
 * Matching with one step of lazy evaluation from buffer position i until stop, as deflate.ts's
 * #lazy. STATE holds nsym, matched, pairs, then the lazy state (prevLen, prevDist, pending) that a
 * call leaves for the next, the block's end when a symbol filled it, and whether the segment is
 * done (its pending literal or match emitted). It returns after the step whose symbol filled the
 * block (nsym = blockSyms; the caller writes the block up to STATE[6] and calls again), or done.
 */
export function lazy(i: i32, stop: i32, end: i32, base: i32, chain: i32, nice: i32, lazyLen: i32, good: i32): i32 {
  loadBlock();
  let prevLen = load<i32>(STATE + 12);
  let prevDist = load<i32>(STATE + 16);
  let pending = load<i32>(STATE + 20) != 0;
  while (i < stop && nsym < SYMS) {
    let len = MIN_MATCH - 1;
    let dist = 0;
    if (i + MIN_MATCH <= end) {
      const cand = insert(i, base);
      if (prevLen < lazyLen) {
        const m = longest(i, end, cand, prevLen, base, prevLen >= good ? chain >> 2 : chain, nice);
        if (m != 0) {
          len = m >>> 16;
          dist = m & 0xffff;
        }
      }
    }
    if (prevLen >= MIN_MATCH && len <= prevLen) {
      // the match at i - 1 is at least as good: take it
      i = takeMatch(i - 1, prevLen, prevDist, i + 1, end, base);
      pending = false;
      prevLen = MIN_MATCH - 1;
    } else {
      if (pending) literal(i - 1);
      pending = true;
      prevLen = len;
      prevDist = dist;
      i++;
    }
  }
  let done = 0;
  if (i >= stop && nsym < SYMS) {
    // the segment's last step: what is pending goes out
    if (pending) {
      if (prevLen >= MIN_MATCH) i = takeMatch(i - 1, prevLen, prevDist, i, end, base);
      else literal(i - 1);
      pending = false;
    }
    done = 1;
  }
  storeBlock();
  store<i32>(STATE + 12, prevLen);
  store<i32>(STATE + 16, prevDist);
  store<i32>(STATE + 20, pending ? 1 : 0);
  store<i32>(STATE + 28, done);
  return i;
}
