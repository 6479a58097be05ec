// CopyRect (RFC 6143 §7.7.2) for the headless client.
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';

export class CopyRectDecoder implements Decoder {
  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    if (q.length < 4) return false;
    const b = q.consume(4);
    const sx = b.readUInt16BE(0);
    const sy = b.readUInt16BE(2);
    if (sx + r.w > fb.width || sy + r.h > fb.height) throw new Error(`CopyRect source ${r.w}x${r.h}+${sx}+${sy} is outside the framebuffer`);
    fb.copyRect(sx, sy, r.x, r.y, r.w, r.h);
    return true;
  }
}
