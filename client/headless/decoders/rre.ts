// RRE (RFC 6143 §7.7.3) for the headless client.
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';

export class RreDecoder implements Decoder {
  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    const bpp = fb.bytesPerPixel;
    if (q.length < 4 + bpp) return false;
    const n = q.peek(4).readUInt32BE(0);
    const total = 4 + bpp + n * (bpp + 8);
    if (q.length < total) return false;
    const b = q.consume(total);
    fb.fillRgb(r.x, r.y, r.w, r.h, fb.toRgb(fb.readPixel(b, 4)));
    for (let i = 0, o = 4 + bpp; i < n; i++, o += bpp + 8) {
      const v = fb.readPixel(b, o);
      const x = b.readUInt16BE(o + bpp);
      const y = b.readUInt16BE(o + bpp + 2);
      const w = b.readUInt16BE(o + bpp + 4);
      const h = b.readUInt16BE(o + bpp + 6);
      if (x + w > r.w || y + h > r.h) throw new Error(`RRE subrectangle ${w}x${h}+${x}+${y} outside its ${r.w}x${r.h} rectangle`);
      fb.fillRgb(r.x + x, r.y + y, w, h, fb.toRgb(v));
    }
    return true;
  }
}
