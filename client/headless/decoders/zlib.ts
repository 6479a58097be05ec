// Zlib (rfbproto, 6) for the headless client: one inflater for the whole connection.
import type { ByteQueue } from '../../../src/rfb/byte-queue.js';
import { InflateStream } from '../../../src/rfb/encodings/zstream.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';

export class ZlibDecoder implements Decoder {
  #z: InflateStream | null = null;

  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    if (q.length < 4) return false;
    const len = q.peek(4).readUInt32BE(0);
    if (q.length < 4 + len) return false;
    const data = q.consume(4 + len).subarray(4);
    const px = (this.#z ??= new InflateStream()).inflate(data);
    const need = r.w * r.h * fb.bytesPerPixel;
    if (px.length !== need) throw new Error(`zlib rectangle inflated to ${px.length} bytes, expected ${need}`);
    fb.putPixels(r.x, r.y, r.w, r.h, px);
    return true;
  }

  reset(): void {
    this.#z?.close();
    this.#z = null;
  }
}
