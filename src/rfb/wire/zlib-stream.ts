// The zlib streams of Zlib, ZRLE and Tight, both ends: a deflate stream that lives as long as the
// session, flushed with Z_SYNC_FLUSH per rectangle (RFC 6143 §7.7.5-7.7.6: one stream per
// connection, the client keeps one inflater), and that inflater.
import zlib from 'node:zlib';
import { Deflater } from './deflate.js';

/** The deflate window: the most a back-reference reaches (the inflater holds as much). */
export const WINDOW = 32 * 1024;

/**
 * zlib memLevel for every deflater: 8 (zlib's default) packs better than 9 with Node's bundled zlib
 * (measured on the ZRLE tile data of the fixture frames: photo 1,403,864 bytes at 8 against
 * 1,440,403 at 9, desktop 50,677 against 51,045, text equal).
 */
export const MEM_LEVEL = 8;

/** Deflate of one large input on several threads (the server's DeflatePool, deflate-pool.ts). */
export interface ParallelDeflate {
  /** How many pieces an input of `n` bytes is worth cutting into (1: deflate it on one thread). */
  pieces(n: number): number;
  /** Raw deflate of `input` continuing after `window`, sync-flushed, in `pieces` pieces (each by `engine`). */
  deflate(input: Uint8Array, window: Uint8Array, level: number, pieces: number, engine?: DeflateEngine): Buffer;
}

const OUT_CHUNK = 64 * 1024;

/**
 * What deflates a stream on this thread: `zlib` is node:zlib (its bundled zlib: fast, finds long
 * matches, but hashes 4 bytes and so misses the 3-byte matches of 3-byte pixels); `pixels` is ours
 * (deflate.ts: hashes 3 bytes as well, in TypeScript), for data made of CPIXELs (ZRLE).
 */
export type DeflateEngine = 'zlib' | 'pixels';

interface NativeHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

/** The 2-byte zlib header (RFC 1950) for a deflate level: CM 8, 32 KiB window, FLEVEL, FCHECK. */
function zlibHeader(level: number): Buffer {
  const flevel = level <= 1 ? 0 : level <= 5 ? 1 : level === 6 ? 2 : 3;
  const cmf = 0x78;
  let flg = flevel << 6;
  flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
  return Buffer.from([cmf, flg]);
}

/**
 * One zlib stream as the client's inflater sees it. Small inputs go through a persistent native
 * raw deflater: node:zlib offers persistent streams only asynchronously and its sync path closes
 * the stream after one call, so we drive the same native handle the sync path uses, without
 * closing it (like QEMU's vnc_zlib_zlib), and each rectangle's bytes come out at once. Large
 * inputs are deflated on several cores by the server's pool (deflate-pool.ts), when it has one. Whenever the client's window
 * is not what the native deflater produced (after a pooled rectangle, or a withdrawn one) it is
 * replaced by a new one, so it never refers to data the client does not hold. A dictionary only
 * helps compression: pooled pieces and new native deflaters start from the last 32 KiB the
 * client inflated when we know it (after a pooled rectangle: a copy of its tail), else from none;
 * the native path keeps no copy, so small rectangles cost no more than before.
 */
export class DeflateStream {
  #d: zlib.DeflateRaw | null = null;
  #h: NativeHandle | null = null;
  #state: Uint32Array | null = null;
  #out: Buffer | null = null;
  #headerSent = false;
  /** The last ≤ 32 KiB of input the client has (once the last output is sent), or empty: unknown. */
  #window: Uint8Array = NO_WINDOW;
  #undo: { window: Uint8Array; headerSent: boolean } | null = null;

  constructor(
    readonly level: number,
    /** Inputs at least this long are worth the pool (tests lower it); below, one thread costs less CPU in all (measured: a text screen's ZRLE, ~130 KiB, 1 ms less per frame). */
    readonly parallelMin = 256 * 1024,
    /** The server's deflate threads (null: this thread only). */
    readonly pool: ParallelDeflate | null = null,
    /** What deflates on this thread (and in the pool's pieces). */
    readonly engine: DeflateEngine = 'zlib',
  ) {}

  #pixels: Deflater | null = null;

  #native(): NativeHandle {
    if (this.#h) return this.#h;
    const w = this.#window;
    this.#d = zlib.createDeflateRaw({ level: this.level, memLevel: MEM_LEVEL, ...(w.length > 0 ? { dictionary: w } : {}) });
    this.#d.on('error', () => {}); // cannot happen for deflate on valid input; never crash on it
    const any = this.#d as unknown as { _handle?: NativeHandle; _writeState?: Uint32Array };
    if (!any._handle || !any._writeState) throw new Error('node:zlib internals changed: no native handle for a persistent sync stream');
    this.#state = any._writeState;
    return (this.#h = any._handle);
  }

  /** The native deflater's history is not the client's window: start a new one from the window. */
  #dropNative(): void {
    this.#d?.close();
    this.#d = null;
    this.#h = null;
  }

  #run(input: Uint8Array): Buffer {
    const h = this.#native();
    const chunks: Buffer[] = [];
    let off = 0;
    let avail = input.length;
    // one scratch buffer per stream, copied out: no 64 KiB allocation for a 100-byte rectangle
    const out = (this.#out ??= Buffer.allocUnsafe(OUT_CHUNK));
    for (;;) {
      h.writeSync(zlib.constants.Z_SYNC_FLUSH, input, off, avail, out, 0, OUT_CHUNK);
      const availOut = this.#state![0]!;
      const availIn = this.#state![1]!;
      if (OUT_CHUNK - availOut > 0) chunks.push(Buffer.from(out.subarray(0, OUT_CHUNK - availOut)));
      off += avail - availIn;
      avail = availIn;
      if (availOut !== 0) break; // output space left over: all input taken and flushed
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Compress `input` and sync-flush: the result is everything the client needs for it. */
  compress(input: Uint8Array): Buffer {
    const pool = this.pool;
    const pieces = pool && input.length >= this.parallelMin ? pool.pieces(input.length) : 1;
    this.#undo = { window: this.#window, headerSent: this.#headerSent };
    let body: Buffer;
    if (pool && pieces > 1) {
      // our deflater holds its window itself: the first piece continues from it
      const window = this.#pixels ? this.#pixels.window() : this.#window;
      body = pool.deflate(input, window, this.level, pieces, this.engine);
      this.#dropNative();
      // a copy: Buffer#slice would be a view of the encoder's reused buffer
      this.#window = Uint8Array.prototype.slice.call(input, Math.max(0, input.length - WINDOW));
      this.#pixels?.reset(this.#window);
    } else if (this.engine === 'pixels') {
      if (!this.#pixels) {
        this.#pixels = new Deflater(this.level);
        this.#pixels.reset(this.#window);
      }
      body = Buffer.from(this.#pixels.compress(input)); // a copy: the deflater reuses its buffer
      this.#window = NO_WINDOW; // the deflater holds it
    } else {
      body = this.#run(input);
      this.#window = NO_WINDOW; // the native deflater holds it
    }
    if (this.#headerSent) return body;
    this.#headerSent = true;
    return Buffer.concat([zlibHeader(this.level), body]);
  }

  /** The bytes of the last compress() will not be sent (Raw went instead): as if it never ran. */
  withdraw(): void {
    const u = this.#undo;
    if (!u) return;
    this.#window = u.window;
    this.#headerSent = u.headerSent;
    this.#dropNative();
    this.#pixels?.reset(u.window);
    this.#undo = null;
  }

  close(): void {
    this.#out = null;
    this.#pixels = null;
    this.#dropNative();
  }
}

const NO_WINDOW = new Uint8Array(0);

/** The persistent inflater a client keeps (for the headless client and tests). */
export class InflateStream {
  #i: zlib.Inflate;
  #h: NativeHandle;
  #state: Uint32Array;
  #error: Error | null = null;

  constructor() {
    this.#i = zlib.createInflate();
    this.#i.on('error', (e: Error) => {
      this.#error = e;
    });
    const any = this.#i as unknown as { _handle?: NativeHandle; _writeState?: Uint32Array };
    if (!any._handle || !any._writeState) throw new Error('node:zlib internals changed: no native handle for a persistent sync stream');
    this.#h = any._handle;
    this.#state = any._writeState;
  }

  /** Inflate exactly the bytes of one rectangle; returns all the output they produce. */
  inflate(input: Uint8Array): Buffer {
    const chunks: Buffer[] = [];
    let off = 0;
    let avail = input.length;
    for (;;) {
      const out = Buffer.allocUnsafe(OUT_CHUNK);
      if (this.#error) throw new Error(`zlib stream broken: ${this.#error.message}`);
      this.#h.writeSync(zlib.constants.Z_SYNC_FLUSH, input, off, avail, out, 0, OUT_CHUNK);
      if (this.#error) throw new Error(`bad zlib data: ${(this.#error as Error).message}`);
      const availOut = this.#state[0]!;
      const availIn = this.#state[1]!;
      if (OUT_CHUNK - availOut > 0) chunks.push(out.subarray(0, OUT_CHUNK - availOut));
      off += avail - availIn;
      avail = availIn;
      if (availOut !== 0) break;
    }
    return Buffer.concat(chunks);
  }

  close(): void {
    this.#i.close();
  }
}
