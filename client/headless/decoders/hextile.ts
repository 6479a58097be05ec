// Hextile (RFC 6143 §7.7.4) for the headless client: parse the whole rectangle from what has
// arrived, consume only when it is complete.
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import { HextileSub } from '../../../src/rfb/wire/encodings.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';
import { NeedMore, PeekReader } from './reader.js';

export class HextileDecoder implements Decoder {
  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    if (q.length === 0) return false;
    const rd = new PeekReader(q.peek(q.length));
    const ops: (() => void)[] = [];
    const bpp = fb.bytesPerPixel;
    try {
      let bg = 0;
      let fg = 0;
      for (let ty = 0; ty < r.h; ty += 16) {
        const th = Math.min(16, r.h - ty);
        for (let tx = 0; tx < r.w; tx += 16) {
          const tw = Math.min(16, r.w - tx);
          const x0 = r.x + tx;
          const y0 = r.y + ty;
          const mask = rd.u8();
          if (mask & HextileSub.Raw) {
            const px = rd.bytes(tw * th * bpp);
            ops.push(() => fb.putPixels(x0, y0, tw, th, px));
            continue;
          }
          if (mask & HextileSub.BackgroundSpecified) bg = fb.readPixel(rd.bytes(bpp), 0);
          if (mask & HextileSub.ForegroundSpecified) fg = fb.readPixel(rd.bytes(bpp), 0);
          const tileBg = bg;
          ops.push(() => fb.fillRgb(x0, y0, tw, th, fb.toRgb(tileBg)));
          if (mask & HextileSub.AnySubrects) {
            const n = rd.u8();
            for (let i = 0; i < n; i++) {
              const c = mask & HextileSub.SubrectsColoured ? fb.readPixel(rd.bytes(bpp), 0) : fg;
              const xy = rd.u8();
              const wh = rd.u8();
              const sx = xy >> 4;
              const sy = xy & 15;
              const sw = (wh >> 4) + 1;
              const sh = (wh & 15) + 1;
              if (sx + sw > tw || sy + sh > th) throw new Error(`hextile subrectangle ${sw}x${sh}+${sx}+${sy} outside its ${tw}x${th} tile`);
              ops.push(() => fb.fillRgb(x0 + sx, y0 + sy, sw, sh, fb.toRgb(c)));
            }
          }
        }
      }
    } catch (e) {
      if (e instanceof NeedMore) return false;
      throw e;
    }
    for (const op of ops) op();
    q.skip(rd.off);
    return true;
  }
}
