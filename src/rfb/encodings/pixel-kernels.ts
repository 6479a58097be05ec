// Tight's and ZRLE's per-pixel passes in WebAssembly: Tight's gradient filter, its palette with the
// index bytes or mono bits, the text layers' column pass, and ZRLE's tiles for 3-byte CPIXELs
// (native/pixel-kernels/, AssemblyScript with 128-bit SIMD, built by scripts/build-wasm.mjs into dist/
// beside this module). One instance per thread, whose memory the block is copied into and the pass's
// output copied out of. The TypeScript in tight.ts, tight-layers.ts and zrle.ts stays the reference
// and the fallback: without the built module, with VRAMVNC_PIXEL_WASM=0, for a pixel format whose
// components are not whole bytes, and for a block the instance's memory cannot grow to hold.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../runtime/package-root.js';
import type { PixelFormat } from '../wire/pixel-format.js';
import type { ByteWriter } from '../wire/byte-writer.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gradient888(src: number, w: number, h: number, out: number, ri: number, gi: number, bi: number): void;
  tableEnd(): number;
  palette(src: number, n: number, pal: number, idx: number, limit: number): number;
  monoBits(idx: number, w: number, h: number, out: number): number;
  markColumns(src: number, w: number, h: number, bg: number, state: number, colour: number, bits: number, rb: number): void;
  zrleScratchEnd(): number;
  zrleBand(src: number, w: number, h: number, tileW: number, out: number): number;
}

/** This thread's instance (null: none; undefined: not loaded yet). */
let kernels: KernelExports | null | undefined;
let mem32 = new Uint32Array(0);
let mem8 = new Uint8Array(0);

function instance(): KernelExports | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  if (process.env.VRAMVNC_PIXEL_WASM === '0') return null;
  const file = path.join(packageRoot(), 'dist', 'src', 'rfb', 'encodings', 'pixel-kernels.wasm');
  if (!fs.existsSync(file)) return null;
  try {
    kernels = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), {}).exports as unknown as KernelExports;
  } catch {
    kernels = null; // no memory for one more instance: the TypeScript passes do the work
  }
  return kernels;
}

/**
 * Views of the instance's memory, at least `bytes` long (growing it: the old views detach); false
 * when it cannot grow that far (no memory: this block's pass runs in TypeScript).
 */
function ensure(f: KernelExports, bytes: number): boolean {
  const have = f.memory.buffer.byteLength;
  if (have < bytes) {
    try {
      f.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return false;
    }
  }
  if (mem8.buffer !== f.memory.buffer) {
    mem8 = new Uint8Array(f.memory.buffer);
    mem32 = new Uint32Array(f.memory.buffer);
  }
  return true;
}

/** The w x h block of src (rows `stride` apart from `base`) into the instance's memory at byte `at`, rows packed. */
function copyIn(src: Uint32Array, base: number, stride: number, w: number, h: number, at: number): void {
  if (stride === w) mem32.set(src.subarray(base, base + w * h), at >> 2);
  else for (let y = 0, s = base, p = at >> 2; y < h; y++, s += stride, p += w) mem32.set(src.subarray(s, s + w), p);
}

/** n bytes of the instance's memory from byte `at`, appended to out. */
function copyOut(out: ByteWriter, at: number, n: number): void {
  const o = out.reserve(n); // first: it may replace out.raw
  out.raw.set(mem8.subarray(at, at + n), o);
}

/**
 * The gradient filter (tight.ts gradient888's output, the same bytes) of a w x h block of client
 * pixel values at src[base + y * stride + x] appended to out; false (nothing written) when the
 * kernel is not there, its memory cannot grow, or the format's components are not whole bytes.
 */
export function gradient888Wasm(src: Uint32Array, base: number, stride: number, w: number, h: number, pf: PixelFormat, out: ByteWriter): boolean {
  const { redShift: rs, greenShift: gs, blueShift: bs } = pf;
  if ((rs | gs | bs) & 7 || rs > 24 || gs > 24 || bs > 24) return false;
  const f = instance();
  if (!f) return false;
  // (h + 1) rows of (w + 1) pixels, row 0 and column 0 zero; then the output; 16 bytes spare after each
  const row = w + 1;
  const at = f.heapBase();
  const outAt = (at + (h + 1) * row * 4 + 16 + 15) & ~15;
  const n = w * h * 3;
  if (!ensure(f, outAt + n + 16)) return false;
  let p = at >> 2;
  mem32.fill(0, p, p + row);
  for (let y = 0, s = base; y < h; y++, s += stride) {
    p += row;
    mem32[p] = 0;
    mem32.set(src.subarray(s, s + w), p + 1);
  }
  f.gradient888(at, w, h, outAt, rs >> 3, gs >> 3, bs >> 3);
  copyOut(out, outAt, n);
  return true;
}

/** Where the last paletteWasm() left its palette and index bytes in the instance's memory. */
let palAt = 0;
let idxAt = 0;

/**
 * The number of distinct values of a w x h block of src (rows `stride` apart from `base`), as
 * tight.ts countColours counts them (null past `limit`), with its palette in paletteColours() and
 * each pixel's index in the instance, for writeIndices() or writeMonoBits(); undefined when the
 * kernel is not there or its memory cannot grow.
 */
export function paletteWasm(src: Uint32Array, base: number, stride: number, w: number, h: number, limit: number): number | null | undefined {
  const f = instance();
  if (!f) return undefined;
  const n = w * h;
  const at = f.tableEnd();
  palAt = at + n * 4 + 16;
  idxAt = palAt + limit * 4;
  // the index bytes, and room after them for the mono bits (at most as many bytes, and one per row)
  if (!ensure(f, idxAt + 2 * n + h + 32)) return undefined;
  copyIn(src, base, stride, w, h, at);
  const c = f.palette(at, n, palAt, idxAt, limit);
  return c < 0 ? null : c;
}

/** The last paletteWasm() block's palette (a view of the instance's memory, valid until its next call). */
export function paletteColours(count: number): Uint32Array {
  return mem32.subarray(palAt >> 2, (palAt >> 2) + count);
}

/** Tight's indexed data of the last paletteWasm() block (n pixels): one index byte per pixel. */
export function writeIndices(out: ByteWriter, n: number): void {
  copyOut(out, idxAt, n);
}

/** Tight's mono data of the last paletteWasm() block (two colours, w x h): 1 bit per pixel, rows padded to a byte. */
export function writeMonoBits(out: ByteWriter, w: number, h: number): void {
  const at = idxAt + w * h + 16;
  copyOut(out, at, kernels!.monoBits(idxAt, w, h, at));
}

/**
 * tight-layers.ts markColumns for the h rows of w pixels from d[at] (rows W apart): each column's
 * state and colour into state and colour, and the rows' 1-bit data (rb bytes a row) written at
 * b[o] (those rows were zero: the bits are set, not or-ed); false when the kernel is not there or
 * its memory cannot grow.
 */
export function markColumnsWasm(d: Uint32Array, at: number, W: number, w: number, h: number, bg: number, state: Uint8Array, colour: Uint32Array, b: Uint8Array, o: number, rb: number): boolean {
  const f = instance();
  if (!f) return false;
  const src = f.heapBase();
  const stateAt = (src + w * h * 4 + 16 + 15) & ~15;
  const colourAt = (stateAt + w + 15) & ~15;
  const bitsAt = colourAt + w * 4;
  const nb = rb * h;
  if (!ensure(f, bitsAt + nb + 16)) return false;
  copyIn(d, at, W, w, h, src);
  f.markColumns(src, w, h, bg, stateAt, colourAt, bitsAt, rb);
  state.set(mem8.subarray(stateAt, stateAt + w));
  colour.set(mem32.subarray(colourAt >> 2, (colourAt >> 2) + w));
  b.set(mem8.subarray(bitsAt, bitsAt + nb), o);
  return true;
}

/**
 * zrle.ts encodeBand's output (the same bytes) for a band of w x h <= 64 client pixel values at
 * src[base + y * stride + x] with 3-byte little-endian CPIXELs, tiles tileW wide, appended to out;
 * false (nothing written) when the kernel is not there or its memory cannot grow.
 */
export function zrleBandWasm(src: Uint32Array, base: number, stride: number, w: number, h: number, out: ByteWriter, tileW: number): boolean {
  const f = instance();
  if (!f) return false;
  const at = f.zrleScratchEnd();
  const outAt = (at + w * h * 4 + 16 + 15) & ~15;
  if (!ensure(f, outAt + w * h * 3 + Math.ceil(w / tileW) + 16)) return false;
  copyIn(src, base, stride, w, h, at);
  copyOut(out, outAt, f.zrleBand(at, w, h, tileW, outAt));
  return true;
}

/** Whether this thread runs the pixel passes in WebAssembly (the module is built and loads). */
export function pixelKernelsInWasm(): boolean {
  return instance() !== null;
}
