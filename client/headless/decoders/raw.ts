// Raw (RFC 6143 §7.7.1) for the headless client.
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';

export class RawDecoder implements Decoder {
  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    const n = r.w * r.h * fb.bytesPerPixel;
    if (q.length < n) return false;
    fb.putPixels(r.x, r.y, r.w, r.h, q.consume(n));
    return true;
  }
}
