// Raw deflate (RFC 1951) in TypeScript, for the zlib streams whose data is 3-byte pixels (ZRLE's
// CPIXELs). The zlib Node bundles (Chromium's fork) hashes 4 bytes to find matches, so it misses
// the 3-byte matches one repeated pixel makes; the system zlib the C servers link hashes 3 and packs
// the same ZRLE tile data 10% smaller (photo). This one finds both: hash chains on 4-byte prefixes
// and the last position of each 3-byte prefix. It keeps its window across calls; every call ends in
// a sync flush (an empty stored block: byte-aligned, everything sent so far decodable), as one zlib
// stream per connection needs (RFC 6143 §7.7.6).
//
// The match finder is zlib's (chains over a 32 KiB window, greedy at the fast levels and after
// segments of short matches, one step of lazy evaluation otherwise, short far matches dropped);
// blocks are written with dynamic Huffman codes (length-limited, the in-place method of Moffat and
// Katajainen), or fixed codes or stored when those are smaller. Input is taken 64 KiB at a time
// behind the window; nothing is allocated per call but the output buffer's growth.
//
// The matching loops also exist as WebAssembly (native/deflate-match/match.ts, AssemblyScript, built
// by scripts/build-wasm.mjs): when the built module is there, a deflater keeps its buffer and tables
// in an instance's memory, these methods work on views of it (slide, rebase, reset, blocks), and the
// greedy and lazy segments run there (the same symbols; VRAMVNC_DEFLATE_WASM=0 keeps everything here).
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../runtime/package-root.js';

const WSIZE = 32768;
const WMASK = WSIZE - 1;
const HBITS = 15;
const HSIZE = 1 << HBITS;
/** Multiplicative hashing of the 3- and 4-byte prefixes (Knuth's golden-ratio constant). */
const HASH_MUL = 0x9e3779b1;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
/** A length-3 match further than this costs more than its three literals (zlib's TOO_FAR). */
const TOO_FAR = 4096;
/**
 * Symbols per block at most. Smaller than zlib's 16 Ki: each block's codes fit the data they cover,
 * and 3-byte pixels change their statistics from tile to tile (the photo's ZRLE data: 1,232,457
 * bytes in blocks of 4 Ki symbols, 1,258,705 in 8 Ki, 1,270,156 in 16 Ki, level 1).
 */
const BLOCK_SYMS = 4096;
/** Input is matched in segments this long; the way (greedy or lazy) is chosen for each. */
const SEGMENT = 16 * 1024;
/** Matches shorter than this on average make the next segment greedy (see compress). */
const SHORT_MATCH = 10;
/** Input goes into the buffer behind the window this much at a time. */
const PIECE = 64 * 1024;
/** Input the buffer holds: the window and one piece (it is 4 bytes longer: a 4-byte load at its last input byte stays inside). */
const CAPACITY = WSIZE + PIECE;
/** An output buffer grown past this by one large input is let go after it. */
const KEEP = 1024 * 1024;
/** Global positions are rebased before they pass this (Int32Array). */
const REBASE_AT = 1 << 30;

/**
 * Chain search limits per level (good, lazy, nice, chain; as zlib's configuration table, greedy for
 * 1-3). Level 6 walks at most 48 steps of a chain where zlib walks 128: the chains hold 4-byte
 * prefixes, so fewer steps find the long matches (ZRLE data of the fixture frames: text 19,232 bytes
 * in 3.5 ms against 19,090 in 5.0, console 7,467 against 7,430). Fewer still cost much more on
 * periodic data: a chain of 32, quartered (good 4) once a match of 4 is found, packed a stream of
 * repeating rows to 2.7x zlib's bytes; good 8 and chain 48 to 1.23x, 64 to 1.03x, 128 to zlib's.
 */
interface Level {
  good: number;
  lazy: number;
  nice: number;
  chain: number;
  greedy: boolean;
}
const LEVELS: readonly Level[] = [
  { good: 0, lazy: 0, nice: 0, chain: 0, greedy: true }, // 0: stored only
  { good: 4, lazy: 4, nice: 8, chain: 4, greedy: true },
  { good: 4, lazy: 5, nice: 16, chain: 8, greedy: true },
  { good: 4, lazy: 6, nice: 32, chain: 32, greedy: true },
  { good: 4, lazy: 4, nice: 16, chain: 16, greedy: false },
  { good: 8, lazy: 16, nice: 32, chain: 32, greedy: false },
  { good: 8, lazy: 16, nice: 128, chain: 48, greedy: false },
  { good: 8, lazy: 32, nice: 128, chain: 256, greedy: false },
  { good: 32, lazy: 128, nice: 258, chain: 1024, greedy: false },
  { good: 32, lazy: 258, nice: 258, chain: 4096, greedy: false },
];

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** Order of the code-length code lengths in a dynamic block header. */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Length 3..258 → length code 0..28 (symbol 257 + code). */
const LEN_CODE = new Uint8Array(MAX_MATCH + 1);
/** Distance-1 → distance code: [0, 256) directly, above as 256 + ((d-1) >> 7) (zlib's d_code). */
const DIST_CODE = new Uint8Array(512);
// code 27's range reaches 258; code 28 (258 exactly) comes after and takes it
for (let c = 0; c < 29; c++) for (let l = LEN_BASE[c]!; l < LEN_BASE[c]! + (1 << LEN_EXTRA[c]!) && l <= MAX_MATCH; l++) LEN_CODE[l] = c;
for (let c = 0; c < 30; c++) {
  for (let d = DIST_BASE[c]!; d < DIST_BASE[c]! + (1 << DIST_EXTRA[c]!); d++) {
    if (d <= 256) DIST_CODE[d - 1] = c;
    else DIST_CODE[256 + ((d - 1) >> 7)] = c;
  }
}
const distCode = (d: number): number => (d <= 256 ? DIST_CODE[d - 1]! : DIST_CODE[256 + ((d - 1) >> 7)]!);

/** Each byte's bits in reverse order. */
const REV8 = Uint8Array.from({ length: 256 }, (_, v) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((v >> i) & 1) << (7 - i);
  return r;
});

/** The fixed Huffman code lengths (RFC 1951 §3.2.6). */
const FIXED_LIT = new Uint8Array(288).map((_, s) => (s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8));
const FIXED_DIST = new Uint8Array(30).fill(5);

/** One Huffman code: lengths in, codes (bit-reversed for the LSB-first writer) out. */
class Code {
  readonly len: Uint8Array;
  /** Each symbol's code (bit-reversed) and its length in one number: code | length << 16. */
  readonly packed: Uint32Array;
  // scratch for building
  readonly #syms: Uint16Array;
  readonly #key: Uint32Array;
  readonly #count = new Uint16Array(33);
  readonly #next = new Uint16Array(16);

  constructor(readonly size: number) {
    this.len = new Uint8Array(size);
    this.packed = new Uint32Array(size);
    this.#syms = new Uint16Array(size);
    this.#key = new Uint32Array(size);
  }

  /** Code lengths at most `limit` for these frequencies (0 for unused symbols), then the codes. */
  build(freq: Uint16Array | Uint32Array, limit: number, minUsed: number): void {
    const len = this.len;
    const syms = this.#syms;
    const key = this.#key;
    len.fill(0);
    let n = 0;
    for (let s = 0; s < this.size; s++) if (freq[s]! > 0) syms[n++] = s;
    // a code needs two symbols for some decoders (zlib forces two as well)
    for (let s = 0; n < minUsed && s < this.size; s++) if (freq[s] === 0) syms[n++] = s;
    // sort by frequency ascending: frequency and symbol in one number, sorted natively
    for (let i = 0; i < n; i++) key[i] = freq[syms[i]!]! * 512 + syms[i]!;
    key.subarray(0, n).sort();
    for (let i = 0; i < n; i++) syms[i] = key[i]! & 511;
    if (n === 1) {
      len[syms[0]!] = 1;
      this.#assign();
      return;
    }
    for (let i = 0; i < n; i++) key[i] = freq[syms[i]!]! || 1;
    minimumRedundancy(key, n);
    // key[i] is now the length of syms[i]; count per length and fit them under the limit
    const count = this.#count;
    count.fill(0);
    for (let i = 0; i < n; i++) count[Math.min(key[i]!, 32)]!++;
    for (let l = limit + 1; l <= 32; l++) {
      count[limit] += count[l]!;
      count[l] = 0;
    }
    let total = 0;
    for (let l = limit; l > 0; l--) total += count[l]! << (limit - l);
    while (total !== 1 << limit) {
      count[limit]!--;
      for (let l = limit - 1; l > 0; l--) {
        if (count[l]) {
          count[l]!--;
          count[l + 1] += 2;
          break;
        }
      }
      total--;
    }
    // the most frequent symbols (end of syms) get the shortest codes
    let j = n;
    for (let l = 1; l <= limit; l++) for (let k = count[l]!; k > 0; k--) len[syms[--j]!] = l;
    this.#assign();
  }

  /** Lengths given (fixed codes): the codes. */
  setLengths(lengths: Uint8Array): void {
    this.len.set(lengths);
    this.#assign();
  }

  #assign(): void {
    const count = this.#count;
    count.fill(0);
    for (let s = 0; s < this.size; s++) count[this.len[s]!]!++;
    count[0] = 0;
    const next = this.#next;
    let code = 0;
    for (let l = 1; l <= 15; l++) {
      code = (code + count[l - 1]!) << 1;
      next[l] = code;
    }
    for (let s = 0; s < this.size; s++) {
      const l = this.len[s]!;
      if (l === 0) continue;
      const c = next[l]!++;
      const r = ((REV8[c & 255]! << 8) | REV8[c >>> 8]!) >>> (16 - l); // the code's l bits reversed
      this.packed[s] = r | (l << 16);
    }
  }
}

/** The fixed codes, made once. */
const FIXED_LIT_CODE = new Code(288);
FIXED_LIT_CODE.setLengths(FIXED_LIT);
const FIXED_DIST_CODE = new Code(30);
FIXED_DIST_CODE.setLengths(FIXED_DIST);

/** Huffman code lengths in place for weights sorted ascending (Moffat & Katajainen, 1995). */
function minimumRedundancy(a: Uint32Array, n: number): void {
  a[0] += a[1]!;
  let root = 0;
  let leaf = 2;
  for (let next = 1; next < n - 1; next++) {
    if (leaf >= n || a[root]! < a[leaf]!) {
      a[next] = a[root]!;
      a[root++] = next;
    } else a[next] = a[leaf++]!;
    if (leaf >= n || (root < next && a[root]! < a[leaf]!)) {
      a[next] += a[root]!;
      a[root++] = next;
    } else a[next] += a[leaf++]!;
  }
  a[n - 2] = 0;
  for (let next = n - 3; next >= 0; next--) a[next] = a[a[next]!]! + 1;
  let avail = 1;
  let used = 0;
  let depth = 0;
  let r = n - 2;
  let next = n - 1;
  while (avail > 0) {
    while (r >= 0 && a[r] === depth) {
      used++;
      r--;
    }
    while (avail > used) {
      a[next--] = depth;
      avail--;
    }
    avail = 2 * used;
    depth++;
    used = 0;
  }
}

/** The matching loops' module (null: not built, or VRAMVNC_DEFLATE_WASM=0), compiled once per thread. */
let matchModule: WebAssembly.Module | null | undefined;

function loadMatchModule(): WebAssembly.Module | null {
  if (matchModule !== undefined) return matchModule;
  matchModule = null;
  if (process.env.VRAMVNC_DEFLATE_WASM === '0') return null;
  // built into dist/ (scripts/build-wasm.mjs); run from src/ (vitest) too
  const file = path.join(packageRoot(), 'dist', 'src', 'rfb', 'wire', 'deflate-match.wasm');
  if (fs.existsSync(file)) matchModule = new WebAssembly.Module(fs.readFileSync(file));
  return matchModule;
}

interface MatchKernel {
  greedy(i: number, stop: number, end: number, base: number, chain: number, nice: number): number;
  lazy(i: number, stop: number, end: number, base: number, chain: number, nice: number, lazy: number, good: number): number;
  /** nsym, matched, pairs (handed over before and after each call), lazy's prevLen, prevDist, pending, then the block's end once full, and lazy's done */
  state: Int32Array;
}

interface MatchExports {
  memory: WebAssembly.Memory;
  layout(bufBytes: number, blockSyms: number): number;
  greedy: MatchKernel['greedy'];
  lazy: MatchKernel['lazy'];
}

/** A new instance of the matching loops (null: no module, or no memory for one more instance). */
function instantiateMatch(): MatchExports | null {
  const mod = loadMatchModule();
  if (!mod) return null;
  try {
    return new WebAssembly.Instance(mod, {}).exports as unknown as MatchExports;
  } catch {
    return null; // V8 reserves address space for each wasm memory: past its limit, this deflater works here
  }
}

interface DeflaterMemory {
  buf: Uint8Array;
  head: Int32Array;
  head3: Int32Array;
  prev: Int32Array;
  sym: Uint16Array;
  dist: Uint16Array;
  litFreq: Uint32Array;
  distFreq: Uint32Array;
  kernel: MatchKernel | null;
}

/** A deflater's buffer and tables: in a wasm instance's memory, or plain arrays. */
function deflaterMemory(wasm: boolean): DeflaterMemory {
  const x = wasm ? instantiateMatch() : null;
  if (!x) {
    return {
      buf: new Uint8Array(CAPACITY + 4),
      head: new Int32Array(HSIZE),
      head3: new Int32Array(HSIZE),
      prev: new Int32Array(WSIZE),
      sym: new Uint16Array(BLOCK_SYMS),
      dist: new Uint16Array(BLOCK_SYMS),
      litFreq: new Uint32Array(288),
      distFreq: new Uint32Array(30),
      kernel: null,
    };
  }
  const table = x.layout(CAPACITY + 4, BLOCK_SYMS);
  const mem = x.memory.buffer; // not grown after layout: the views stay valid
  // where layout() put each area: buf, head, head3, prev, sym, dist, litFreq, distFreq, length codes, distance codes, state
  const at = new Int32Array(mem, table, 11);
  new Uint8Array(mem, at[8]!, MAX_MATCH + 1).set(LEN_CODE);
  new Uint8Array(mem, at[9]!, 512).set(DIST_CODE);
  return {
    buf: new Uint8Array(mem, at[0]!, CAPACITY + 4),
    head: new Int32Array(mem, at[1]!, HSIZE),
    head3: new Int32Array(mem, at[2]!, HSIZE),
    prev: new Int32Array(mem, at[3]!, WSIZE),
    sym: new Uint16Array(mem, at[4]!, BLOCK_SYMS),
    dist: new Uint16Array(mem, at[5]!, BLOCK_SYMS),
    litFreq: new Uint32Array(mem, at[6]!, 288),
    distFreq: new Uint32Array(mem, at[7]!, 30),
    kernel: { greedy: x.greedy, lazy: x.lazy, state: new Int32Array(mem, at[10]!, 8) },
  };
}

/**
 * A raw deflate stream that lives as long as its zlib stream: `compress` takes the next input and
 * returns the bytes that carry it, sync-flushed. The window (the last 32 KiB of input) carries over.
 */
export class Deflater {
  readonly #level: Level;
  /** Input so far (at least the last WSIZE bytes of it), then room for the next piece. */
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  /** The matching loops in WebAssembly, on this deflater's memory (null: here). */
  readonly #kernel: MatchKernel | null;
  /** How much of #buf holds input (the window is its last WSIZE bytes). */
  #hist = 0;
  /** Global position of #buf[0]. */
  #base = 0;
  readonly #head: Int32Array;
  readonly #prev: Int32Array;
  /** The last position of each 3-byte prefix (hashed), and what #insert found there. */
  readonly #head3: Int32Array;
  #cand3 = -1;
  /** Input bytes covered by matches in this segment and how many matches (for the greedy/lazy choice). */
  #matched = 0;
  #pairs = 0;
  /** The last segment's matches were short. */
  #shortMatches = false;
  // the symbols of the block being gathered: lit/len (literal < 256, else 256 + length - 3), distance (0: literal)
  readonly #sym: Uint16Array;
  readonly #dist: Uint16Array;
  #nsym = 0;
  /** Where in #buf the block being gathered starts (for a stored block; -1: no longer there). */
  #blockStart = 0;
  readonly #litFreq: Uint32Array;
  readonly #distFreq: Uint32Array;
  readonly #lit = new Code(288); // 286 and 287 unused, but the fixed code counts them
  readonly #dst = new Code(30);
  readonly #cl = new Code(19);
  readonly #clFreq = new Uint32Array(19);
  /** Code lengths of both codes, then their run-length symbols (value | repeat << 5). */
  readonly #lens = new Uint8Array(286 + 30);
  readonly #clSyms = new Uint16Array(286 + 30);
  #out = new Uint8Array(64 * 1024);
  #o = 0;
  #bitBuf = 0;
  #bitCnt = 0;

  constructor(
    level = 6,
    /** Positions are rebased before they reach this (tests lower it to reach the rebase). */
    readonly rebaseAt = REBASE_AT,
    /** Run the matching loops in WebAssembly when the module is built (tests compare both ways). */
    wasm = true,
  ) {
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`deflate level must be 0-9, not ${level}`);
    this.#level = LEVELS[level]!;
    const m = deflaterMemory(wasm);
    this.#buf = m.buf;
    this.#view = new DataView(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
    this.#head = m.head.fill(-1);
    this.#head3 = m.head3.fill(-1);
    this.#prev = m.prev.fill(-1);
    this.#sym = m.sym;
    this.#dist = m.dist;
    this.#litFreq = m.litFreq;
    this.#distFreq = m.distFreq;
    this.#kernel = m.kernel;
  }

  /** Whether this deflater's matching loops run in WebAssembly. */
  get usesWasm(): boolean {
    return this.#kernel !== null;
  }

  /** Deflate `input` after everything before it and sync-flush. The result is a view, valid until the next call. */
  compress(input: Uint8Array): Uint8Array {
    this.#o = 0;
    this.#reserve(input.length + (input.length >> 3) + 1024);
    // a piece at a time behind the window: the buffer stays WSIZE + PIECE (96 KiB) however large the input
    for (let off = 0; off < input.length; off += PIECE) {
      const piece = input.subarray(off, Math.min(input.length, off + PIECE));
      // slide only when the piece does not fit behind what is there (not on every small rectangle);
      // an open block whose first bytes the slide took cannot go stored
      if (this.#hist + piece.length > CAPACITY) {
        this.#slide();
        this.#blockStart = this.#nsym === 0 ? this.#hist : -1;
      } else if (off === 0) this.#blockStart = this.#hist;
      const start = this.#hist;
      const end = start + piece.length;
      this.#buf.set(piece, start);
      if (this.#level.chain === 0) this.#stored(start, end);
      else this.#match(start, end);
      this.#hist = end;
    }
    if (this.#nsym > 0) this.#block(this.#hist);
    this.#syncFlush();
    const result = this.#out.subarray(0, this.#o);
    // a full screen grows the output to megabytes: not kept for the rest of the session
    if (this.#out.length > KEEP) this.#out = new Uint8Array(64 * 1024);
    return result;
  }

  /**
   * Match #buf[start, end) in segments: after one whose matches were short on average (under 10
   * bytes: a photo's pixels 3-5, the desktop's 5-10; text's 15-19 and the console's 10-33 stay
   * lazy), lazy evaluation is not worth its second search and the next goes greedy (photo 59 ms
   * instead of 73 a frame for the same bytes; the desktop's ZRLE frame 1.1 ms less for 1.3% more).
   */
  #match(start: number, end: number): void {
    for (let i = start; i < end; ) {
      const stop = Math.min(end, i + SEGMENT);
      this.#matched = 0;
      this.#pairs = 0;
      i = this.#level.greedy || this.#shortMatches ? this.#greedy(i, stop, end) : this.#lazy(i, stop, end);
      this.#shortMatches = this.#pairs === 0 || this.#matched < SHORT_MATCH * this.#pairs;
    }
  }

  /** The last ≤ 32 KiB of input (a view, valid until the next call). */
  window(): Uint8Array {
    return this.#buf.subarray(Math.max(0, this.#hist - WSIZE), this.#hist);
  }

  /** Forget the history and start from `window` (the last ≤ 32 KiB the inflater holds; empty: nothing). */
  reset(window: Uint8Array): void {
    this.#head.fill(-1);
    this.#prev.fill(-1);
    this.#head3.fill(-1);
    const w = window.subarray(Math.max(0, window.length - WSIZE));
    this.#buf.set(w, 0);
    this.#hist = w.length;
    this.#base = 0;
    for (let i = 0; i + MIN_MATCH < w.length; i++) this.#insert(i);
    this.#nsym = 0;
    this.#litFreq.fill(0);
    this.#distFreq.fill(0);
    this.#shortMatches = false;
  }

  /** Slide: keep the last WSIZE bytes of history at the start of #buf; rebase positions before they overflow. */
  #slide(): void {
    const end = this.#hist;
    const keep = Math.min(end, WSIZE);
    if (end > keep) this.#buf.copyWithin(0, end - keep, end);
    this.#base += end - keep;
    this.#hist = keep;
    if (this.#base + keep > this.rebaseAt) {
      // prev is indexed by position mod WSIZE: shift by a multiple of it; older positions are dropped
      const shift = this.#base - (this.#base & WMASK);
      const head = this.#head;
      const prev = this.#prev;
      for (let i = 0; i < HSIZE; i++) head[i] = head[i]! >= shift ? head[i]! - shift : -1;
      for (let i = 0; i < WSIZE; i++) prev[i] = prev[i]! >= shift ? prev[i]! - shift : -1;
      const head3 = this.#head3;
      for (let i = 0; i < HSIZE; i++) head3[i] = head3[i]! >= shift ? head3[i]! - shift : -1;
      this.#base -= shift;
    }
  }

  /**
   * Longest match for position i (buffer index) longer than `best`, within `chain` steps: length << 16
   * | distance, or 0 (none, or only a length-3 match further than TOO_FAR).
   */
  #longest(i: number, end: number, cand: number, best: number, chain: number): number {
    const buf = this.#buf;
    const view = this.#view;
    const prev = this.#prev;
    const base = this.#base;
    const g = base + i;
    const limit = Math.max(g - WSIZE, -1);
    const maxLen = Math.min(MAX_MATCH, end - i);
    const nice = this.#level.nice;
    let bestDist = 0;
    if (best >= maxLen) return 0;
    // the 4 bytes at i, little-endian: a candidate's first 3 (and 4) compared in one load and xor
    const here = view.getUint32(i, true);
    // a longer match has the 4 bytes that end at `best` as well (once best ≥ 3; before, one byte at best)
    let tail = best >= 3 ? view.getUint32(i + best - 3) : buf[i + best]!;
    while (cand > limit && chain-- > 0) {
      const c = cand - base;
      let x: number;
      // best ≥ 2 (MIN_MATCH - 1) always: only a match of 3 or more can be longer
      if ((best >= 3 ? view.getUint32(c + best - 3) === tail : buf[c + best] === tail) && ((x = view.getUint32(c, true) ^ here) & 0xffffff) === 0) {
        // 3 bytes, or 4 and then 4 a step (long runs, repeated rows): a photo's matches end at 3-6
        let l = 3;
        if (x === 0 && maxLen > 3) {
          l = 4;
          while (l + 4 <= maxLen && view.getUint32(c + l) === view.getUint32(i + l)) l += 4;
          while (l < maxLen && buf[c + l] === buf[i + l]) l++;
        }
        if (l > best) {
          best = l;
          bestDist = g - cand;
          if (l >= nice || l >= maxLen) break;
          tail = view.getUint32(i + best - 3);
        }
      }
      cand = prev[cand & WMASK]!;
    }
    // a length-3 match far back costs more than its literals (zlib's TOO_FAR)
    if (best === MIN_MATCH && bestDist > TOO_FAR) return 0;
    // the chains hold 4-byte prefixes; a 3-byte match is the last position with these 3 bytes
    const c3 = this.#cand3;
    if (best < MIN_MATCH && c3 > limit && g - c3 <= TOO_FAR && ((view.getUint32(c3 - base, true) ^ here) & 0xffffff) === 0) {
      return (MIN_MATCH << 16) | (g - c3);
    }
    return bestDist === 0 ? 0 : (best << 16) | bestDist;
  }

  /** Enter position i in both tables; returns the chain's previous head (-1: none). */
  #insert(i: number): number {
    const g = this.#base + i;
    const v = this.#view.getUint32(i); // big-endian: bytes i..i+2 are v >>> 8, byte i+3 its low byte
    const v3 = v >>> 8;
    const h3 = Math.imul(v3, HASH_MUL) >>> (32 - HBITS);
    this.#cand3 = this.#head3[h3]!;
    this.#head3[h3] = g;
    const h = Math.imul(v3 ^ (v << 24), HASH_MUL) >>> (32 - HBITS);
    const cand = this.#head[h]!;
    this.#prev[g & WMASK] = cand;
    this.#head[h] = g;
    return cand;
  }

  /** Greedy matching from i until stop (matches may reach on to end); returns where it stopped. */
  #greedy(i: number, stop: number, end: number): number {
    const buf = this.#buf;
    const lv = this.#level;
    const k = this.#kernel;
    if (k) {
      // the same loop in WebAssembly; it returns after the symbol that fills a block
      while (i < stop) i = this.#inKernel(k, () => k.greedy(i, stop, end, this.#base, lv.chain, lv.nice));
      return i;
    }
    while (i < stop) {
      let len = 0;
      let dist = 0;
      if (i + MIN_MATCH <= end) {
        const m = this.#longest(i, end, this.#insert(i), MIN_MATCH - 1, lv.chain);
        len = m >>> 16;
        dist = m & 0xffff;
      }
      if (len >= MIN_MATCH) i = this.#takeMatch(i, len, dist, end, i + 1);
      else {
        this.#literal(buf[i]!, i);
        i++;
      }
    }
    return i;
  }

  /** One call of a kernel loop: the block's counts handed over and back, the block written if the call filled it. */
  #inKernel(k: MatchKernel, run: () => number): number {
    const st = k.state;
    st[0] = this.#nsym;
    st[1] = this.#matched;
    st[2] = this.#pairs;
    const i = run();
    this.#nsym = st[0]!;
    this.#matched = st[1]!;
    this.#pairs = st[2]!;
    if (this.#nsym === BLOCK_SYMS) this.#block(st[6]!);
    return i;
  }

  /** Matching with one step of lazy evaluation (zlib's deflate_slow) from i until stop; returns where it stopped. */
  #lazy(i: number, stop: number, end: number): number {
    const buf = this.#buf;
    const lv = this.#level;
    const k = this.#kernel;
    if (k) {
      // the same loop in WebAssembly; it returns after the step that fills a block, keeping its state
      k.state[3] = MIN_MATCH - 1; // prevLen
      k.state[4] = 0; // prevDist
      k.state[5] = 0; // pending
      do i = this.#inKernel(k, () => k.lazy(i, stop, end, this.#base, lv.chain, lv.nice, lv.lazy, lv.good));
      while (k.state[7] !== 1);
      return i;
    }
    let prevLen = MIN_MATCH - 1;
    let prevDist = 0;
    let pending = false; // a literal at i - 1 not yet emitted
    while (i < stop) {
      let len = MIN_MATCH - 1;
      let dist = 0;
      if (i + MIN_MATCH <= end) {
        const cand = this.#insert(i);
        if (prevLen < lv.lazy) {
          const m = this.#longest(i, end, cand, prevLen, prevLen >= lv.good ? lv.chain >> 2 : lv.chain);
          if (m !== 0) {
            len = m >>> 16;
            dist = m & 0xffff;
          }
        }
      }
      if (prevLen >= MIN_MATCH && len <= prevLen) {
        // the match at i - 1 is at least as good: take it
        i = this.#takeMatch(i - 1, prevLen, prevDist, end, i + 1);
        pending = false;
        prevLen = MIN_MATCH - 1;
      } else {
        if (pending) this.#literal(buf[i - 1]!, i - 1);
        pending = true;
        prevLen = len;
        prevDist = dist;
        i++;
      }
    }
    if (pending) {
      if (prevLen >= MIN_MATCH) i = this.#takeMatch(i - 1, prevLen, prevDist, end, i);
      else this.#literal(buf[i - 1]!, i - 1);
    }
    return i;
  }

  /**
   * Emit the match at i and enter the positions it covers from `from` on (those before are in the
   * tables already); returns the position after it. Every position inside a match joins the chains
   * (zlib skips those of long matches: on pixel data that loses matches, photo 1,248,713 bytes
   * against 1,270,156 at level 1).
   */
  #takeMatch(i: number, len: number, dist: number, end: number, from: number): number {
    this.#pair(len, dist, i);
    const last = Math.min(i + len, end - MIN_MATCH + 1);
    for (let k = from; k < last; k++) this.#insert(k);
    return i + len;
  }

  #stored(start: number, end: number): void {
    for (let i = start; i < end; i += 65535) this.#storedBlock(i, Math.min(end, i + 65535));
  }

  #literal(byte: number, i: number): void {
    const n = this.#nsym;
    this.#sym[n] = byte;
    this.#dist[n] = 0;
    this.#litFreq[byte]!++;
    this.#nsym = n + 1;
    if (n + 1 === BLOCK_SYMS) this.#block(i + 1);
  }

  #pair(len: number, dist: number, i: number): void {
    const n = this.#nsym;
    this.#matched += len;
    this.#pairs++;
    this.#sym[n] = 256 + len - MIN_MATCH;
    this.#dist[n] = dist;
    this.#litFreq[257 + LEN_CODE[len]!]!++;
    this.#distFreq[distCode(dist)]!++;
    this.#nsym = n + 1;
    if (n + 1 === BLOCK_SYMS) this.#block(i + len);
  }

  #reserve(n: number): void {
    if (this.#o + n <= this.#out.length) return;
    const grown = new Uint8Array(Math.max(this.#out.length * 2, this.#o + n));
    grown.set(this.#out.subarray(0, this.#o));
    this.#out = grown;
  }

  #put(bits: number, n: number): void {
    let b = this.#bitBuf | (bits << this.#bitCnt);
    let c = this.#bitCnt + n;
    const out = this.#out;
    while (c >= 8) {
      out[this.#o++] = b & 0xff;
      b >>>= 8;
      c -= 8;
    }
    this.#bitBuf = b;
    this.#bitCnt = c;
  }

  /** One symbol of a code (Code.packed). */
  #putCode(packed: number): void {
    this.#put(packed & 0xffff, packed >>> 16);
  }

  #align(): void {
    if (this.#bitCnt > 0) this.#out[this.#o++] = this.#bitBuf & 0xff;
    this.#bitBuf = 0;
    this.#bitCnt = 0;
  }

  /** Stored block of #buf[from, to) (not final). */
  #storedBlock(from: number, to: number): void {
    const n = to - from;
    this.#reserve(n + 8);
    this.#put(0, 3);
    this.#align();
    const out = this.#out;
    out[this.#o++] = n & 0xff;
    out[this.#o++] = n >> 8;
    out[this.#o++] = ~n & 0xff;
    out[this.#o++] = (~n >> 8) & 0xff;
    out.set(this.#buf.subarray(from, to), this.#o);
    this.#o += n;
  }

  /** An empty stored block: the output so far ends on a byte and the inflater has all of it (Z_SYNC_FLUSH). */
  #syncFlush(): void {
    this.#reserve(8);
    this.#put(0, 3);
    this.#align();
    const out = this.#out;
    out[this.#o++] = 0;
    out[this.#o++] = 0;
    out[this.#o++] = 0xff;
    out[this.#o++] = 0xff;
  }

  /** Write the gathered symbols (covering #buf[#blockStart, end)) as the smallest of dynamic, fixed or stored. */
  #block(end: number): void {
    const litFreq = this.#litFreq;
    const distFreq = this.#distFreq;
    litFreq[256] = 1;
    const lit = this.#lit;
    const dst = this.#dst;
    lit.build(litFreq, 15, 2);
    dst.build(distFreq, 15, 2);
    // the header: both codes' lengths, run-length coded with the code-length code
    let hlit = 286;
    while (hlit > 257 && lit.len[hlit - 1] === 0) hlit--;
    let hdist = 30;
    while (hdist > 1 && dst.len[hdist - 1] === 0) hdist--;
    const lens = this.#lens;
    lens.set(lit.len.subarray(0, hlit), 0);
    lens.set(dst.len.subarray(0, hdist), hlit);
    const nClSyms = this.#runLengths(hlit + hdist);
    const cl = this.#cl;
    cl.build(this.#clFreq, 7, 2);
    let hclen = 19;
    while (hclen > 4 && cl.len[CL_ORDER[hclen - 1]!] === 0) hclen--;
    // cost in bits of each way
    let extra = 0;
    for (let c = 0; c < 29; c++) extra += litFreq[257 + c]! * LEN_EXTRA[c]!;
    for (let c = 0; c < 30; c++) extra += distFreq[c]! * DIST_EXTRA[c]!;
    let dyn = 3 + 5 + 5 + 4 + hclen * 3 + extra;
    for (let s = 0; s < 19; s++) dyn += this.#clFreq[s]! * cl.len[s]!;
    dyn += 2 * this.#clFreq[16]! + 3 * this.#clFreq[17]! + 7 * this.#clFreq[18]!;
    let fixed = 3 + extra;
    for (let s = 0; s < 286; s++) {
      const f = litFreq[s]!;
      if (f === 0) continue;
      dyn += f * lit.len[s]!;
      fixed += f * FIXED_LIT[s]!;
    }
    for (let s = 0; s < 30; s++) {
      const f = distFreq[s]!;
      if (f === 0) continue;
      dyn += f * dst.len[s]!;
      fixed += f * 5;
    }
    const rawLen = end - this.#blockStart;
    const stored = this.#blockStart >= 0 && rawLen <= 65535 ? (rawLen + 5) * 8 + 7 : Infinity;
    this.#reserve(((Math.min(dyn, fixed) + 7) >> 3) + 16);
    if (stored <= dyn && stored <= fixed) this.#stored(this.#blockStart, end);
    else if (fixed <= dyn) {
      this.#put(0b010, 3);
      this.#symbols(FIXED_LIT_CODE, FIXED_DIST_CODE);
    } else {
      this.#put(0b100, 3);
      this.#put(hlit - 257, 5);
      this.#put(hdist - 1, 5);
      this.#put(hclen - 4, 4);
      for (let k = 0; k < hclen; k++) this.#put(cl.len[CL_ORDER[k]!]!, 3);
      const clSyms = this.#clSyms;
      for (let k = 0; k < nClSyms; k++) {
        const v = clSyms[k]! & 31;
        const rep = clSyms[k]! >> 5;
        this.#putCode(cl.packed[v]!);
        if (v === 16) this.#put(rep - 3, 2);
        else if (v === 17) this.#put(rep - 3, 3);
        else if (v === 18) this.#put(rep - 11, 7);
      }
      this.#symbols(lit, dst);
    }
    this.#nsym = 0;
    this.#blockStart = end;
    litFreq.fill(0);
    distFreq.fill(0);
  }

  /** The gathered symbols with these codes, then end-of-block. */
  #symbols(lit: Code, dst: Code): void {
    const lp = lit.packed;
    const dp = dst.packed;
    const sym = this.#sym;
    const dist = this.#dist;
    const out = this.#out;
    let b = this.#bitBuf;
    let c = this.#bitCnt;
    let o = this.#o;
    // fewer than 8 bits pending at each symbol; a literal adds at most 15, a match at most 15 + 5 + 15 + 13
    for (let k = 0, n = this.#nsym; k < n; k++) {
      const s = sym[k]!;
      if (s < 256) {
        const t = lp[s]!;
        b |= (t & 0xffff) << c;
        c += t >>> 16;
      } else {
        const len = s - 256 + MIN_MATCH;
        const lc = LEN_CODE[len]!;
        const t = lp[257 + lc]!;
        b |= (t & 0xffff) << c;
        c += t >>> 16;
        b |= (len - LEN_BASE[lc]!) << c;
        c += LEN_EXTRA[lc]!;
        if (c >= 16) {
          out[o++] = b & 0xff;
          out[o++] = (b >>> 8) & 0xff;
          b >>>= 16;
          c -= 16;
        }
        const d = dist[k]!;
        const dc = distCode(d);
        const u = dp[dc]!;
        b |= (u & 0xffff) << c;
        c += u >>> 16;
        if (c >= 16) {
          out[o++] = b & 0xff;
          out[o++] = (b >>> 8) & 0xff;
          b >>>= 16;
          c -= 16;
        }
        b |= (d - DIST_BASE[dc]!) << c;
        c += DIST_EXTRA[dc]!;
      }
      while (c >= 8) {
        out[o++] = b & 0xff;
        b >>>= 8;
        c -= 8;
      }
    }
    this.#o = o;
    this.#bitBuf = b;
    this.#bitCnt = c;
    this.#putCode(lit.packed[256]!);
  }

  /** Run-length code #lens[0, n) into #clSyms (16: repeat previous 3-6, 17: zeros 3-10, 18: zeros 11-138); counts into #clFreq. */
  #runLengths(n: number): number {
    const lens = this.#lens;
    const out = this.#clSyms;
    const freq = this.#clFreq;
    freq.fill(0);
    let k = 0;
    for (let i = 0; i < n; ) {
      const v = lens[i]!;
      let run = 1;
      while (i + run < n && lens[i + run] === v) run++;
      i += run;
      if (v === 0) {
        while (run >= 11) {
          const r = Math.min(run, 138);
          out[k++] = 18 | (r << 5);
          freq[18]!++;
          run -= r;
        }
        if (run >= 3) {
          out[k++] = 17 | (run << 5);
          freq[17]!++;
          run = 0;
        }
      } else {
        out[k++] = v;
        freq[v]!++;
        run--;
        while (run >= 3) {
          const r = Math.min(run, 6);
          out[k++] = 16 | (r << 5);
          freq[16]!++;
          run -= r;
        }
      }
      for (; run > 0; run--) {
        out[k++] = v;
        freq[v]!++;
      }
    }
    return k;
  }
}

/** This thread's deflaters for deflateContinuing, one per level. */
const continuing = new Map<number, Deflater>();

/**
 * Raw deflate of `input` as the next piece of a stream whose inflater holds `window` (its last ≤ 32
 * KiB), sync-flushed: the deflate pool's pieces, on whichever thread. One deflater per level and
 * thread, reset each time. The result is a view, valid until the next call.
 */
export function deflateContinuing(input: Uint8Array, window: Uint8Array, level: number): Uint8Array {
  let d = continuing.get(level);
  if (!d) continuing.set(level, (d = new Deflater(level)));
  d.reset(window);
  return d.compress(input);
}
