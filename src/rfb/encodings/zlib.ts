// Zlib (rfbproto "Zlib Encoding", 6): Raw pixels through one deflate stream kept for the session;
// each rectangle is a u32 length and the stream's sync-flushed output.
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import type { EncodeParams, Encoder } from './encoder.js';
import { EncodingType } from '../wire/encodings.js';
import { DeflateStream, type ParallelDeflate } from '../wire/zlib-stream.js';

/** zlib level for a CompressLevel (null: a fast default, as TigerVNC's 2). */
export function zlibLevel(compressLevel: number | null, fallback = 2): number {
  return compressLevel === null ? fallback : Math.max(1, Math.min(9, compressLevel));
}

export class ZlibEncoder implements Encoder {
  readonly type = EncodingType.Zlib;
  readonly stateful = true;
  #stream: DeflateStream | null = null;
  #level = zlibLevel(null);
  #buf = Buffer.alloc(0);

  /** The server's deflate threads for large rectangles (null: this thread only). */
  constructor(readonly deflate: ParallelDeflate | null = null) {}

  configure(p: EncodeParams): void {
    // the stream's level is fixed once it exists: the client's inflater lives as long as it
    if (!this.#stream) this.#level = zlibLevel(p.compressLevel);
  }

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    const n = r.w * r.h * tr.bytesPerPixel;
    if (this.#buf.length < n) this.#buf = Buffer.allocUnsafe(n);
    tr.translateRect(fb.data, r.y * fb.width + r.x, fb.width, r.w, r.h, this.#buf, 0);
    this.#stream ??= new DeflateStream(this.#level, undefined, this.deflate);
    const z = this.#stream.compress(this.#buf.subarray(0, n));
    out.u32(z.length).bytes(z); // length, zlib data
  }

  withdraw(): void {
    this.#stream?.withdraw();
  }

  reset(): void {
    this.#stream?.close();
    this.#stream = null;
  }
}
