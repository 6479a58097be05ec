// A zlib deflate stream that lives as long as the session, flushed with Z_SYNC_FLUSH per rectangle
// (RFC 6143 §7.7.5-7.7.6: one stream per connection, the client keeps one inflater).
import zlib from 'node:zlib';

const OUT_CHUNK = 64 * 1024;

interface NativeHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

/**
 * node:zlib offers persistent streams only asynchronously; its sync path closes the stream after
 * one call. We drive the same native handle the sync path uses, without closing it, so that each
 * rectangle's bytes come out at once and the stream carries on (like QEMU's vnc_zlib_zlib).
 */
export class DeflateStream {
  #d: zlib.Deflate;
  #h: NativeHandle;
  #state: Uint32Array;
  /** The 2-byte zlib header the first output carries, kept until some output has been sent. */
  #header: Buffer | null = null;
  #sentAny = false;
  #lastWasFirst = false;

  constructor(readonly level: number) {
    this.#d = zlib.createDeflate({ level, memLevel: 9 });
    this.#d.on('error', () => {}); // cannot happen for deflate on valid input; never crash on it
    const any = this.#d as unknown as { _handle?: NativeHandle; _writeState?: Uint32Array };
    if (!any._handle || !any._writeState) throw new Error('node:zlib internals changed: no native handle for a persistent sync stream');
    this.#h = any._handle;
    this.#state = any._writeState;
  }

  #run(input: Uint8Array, flush: number): Buffer {
    const chunks: Buffer[] = [];
    let off = 0;
    let avail = input.length;
    for (;;) {
      const out = Buffer.allocUnsafe(OUT_CHUNK);
      this.#h.writeSync(flush, input, off, avail, out, 0, OUT_CHUNK);
      const availOut = this.#state[0]!;
      const availIn = this.#state[1]!;
      if (OUT_CHUNK - availOut > 0) chunks.push(out.subarray(0, OUT_CHUNK - availOut));
      off += avail - availIn;
      avail = availIn;
      if (availOut !== 0) break; // output space left over: all input taken and flushed
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Compress `input` and sync-flush: the result is everything the client needs for it. */
  compress(input: Uint8Array): Buffer {
    let out = this.#run(input, zlib.constants.Z_SYNC_FLUSH);
    this.#lastWasFirst = false;
    if (this.#header === null) {
      this.#header = Buffer.from(out.subarray(0, 2));
      this.#lastWasFirst = true;
    } else if (!this.#sentAny) {
      // an earlier output (carrying the header) was withdrawn: the client still needs the header
      out = Buffer.concat([this.#header, out]);
      this.#lastWasFirst = true;
    }
    this.#sentAny = true;
    return out;
  }

  /**
   * The bytes of the last compress() will not be sent (Raw went instead). A full flush makes the
   * stream forget its history, so later output never refers to data the client has not seen;
   * the flush's own bytes (an empty stored block) are withdrawn too. The client's inflater is at
   * a block boundary either way, so it carries on with what we send next.
   */
  withdraw(): void {
    this.#run(new Uint8Array(0), zlib.constants.Z_FULL_FLUSH);
    if (this.#lastWasFirst) this.#sentAny = false;
  }

  close(): void {
    this.#d.close();
  }
}

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
