// Zlib (rfbproto, 6) for the headless client: one inflater for the whole connection.
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';
import { LengthPrefixedInflater } from './reader.js';

export class ZlibDecoder implements Decoder {
  #z = new LengthPrefixedInflater();

  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    const px = this.#z.take(q);
    if (!px) return false;
    const need = r.w * r.h * fb.bytesPerPixel;
    if (px.length !== need) throw new Error(`zlib rectangle inflated to ${px.length} bytes, expected ${need}`);
    fb.putPixels(r.x, r.y, r.w, r.h, px);
    return true;
  }

  reset(): void {
    this.#z.reset();
  }
}
