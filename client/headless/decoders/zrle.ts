// ZRLE (RFC 6143 §7.7.6) for the headless client.
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';
import { cpixelReader, LengthPrefixedInflater, PeekReader, putValues } from './reader.js';

export class ZrleDecoder implements Decoder {
  #z = new LengthPrefixedInflater();

  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    const body = this.#z.take(q);
    if (!body) return false;
    const rd = new PeekReader(body);
    const cp = cpixelReader(fb);
    const tile = new Uint32Array(64 * 64);
    const px = () => cp.read(rd.bytes(cp.size), 0);
    for (let ty = 0; ty < r.h; ty += 64) {
      const th = Math.min(64, r.h - ty);
      for (let tx = 0; tx < r.w; tx += 64) {
        const tw = Math.min(64, r.w - tx);
        const n = tw * th;
        const sub = rd.u8();
        if (sub === 0) {
          for (let i = 0; i < n; i++) tile[i] = px();
        } else if (sub === 1) {
          tile.fill(px(), 0, n);
        } else if (sub <= 16) {
          const pal = Array.from({ length: sub }, px);
          const bits = sub <= 2 ? 1 : sub <= 4 ? 2 : 4;
          const rowBytes = Math.ceil((tw * bits) / 8);
          const b = rd.bytes(rowBytes * th);
          for (let y = 0; y < th; y++)
            for (let x = 0; x < tw; x++) {
              const bit = x * bits;
              const idx = (b[y * rowBytes + (bit >> 3)]! >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
              if (idx >= pal.length) throw new Error(`ZRLE palette index ${idx} of ${pal.length}`);
              tile[y * tw + x] = pal[idx]!;
            }
        } else if (sub === 128 || sub >= 130) {
          const pal = sub >= 130 ? Array.from({ length: sub - 128 }, px) : null;
          for (let i = 0; i < n; ) {
            let v: number;
            let run = 1;
            if (pal) {
              const idx = rd.u8();
              if ((idx & 127) >= pal.length) throw new Error(`ZRLE palette index ${idx & 127} of ${pal.length}`);
              v = pal[idx & 127]!;
              if (idx & 128) run = runLength(rd);
            } else {
              v = px();
              run = runLength(rd);
            }
            if (i + run > n) throw new Error('ZRLE run past the end of its tile');
            tile.fill(v, i, i + run);
            i += run;
          }
        } else {
          throw new Error(`ZRLE subencoding ${sub} is not defined`);
        }
        putValues(fb, r.x + tx, r.y + ty, tw, th, tile.subarray(0, n));
      }
    }
    if (rd.off !== rd.buf.length) throw new Error(`ZRLE rectangle left ${rd.buf.length - rd.off} bytes over`);
    return true;
  }

  reset(): void {
    this.#z.reset();
  }
}

function runLength(rd: PeekReader): number {
  let n = 1;
  let b: number;
  do {
    b = rd.u8();
    n += b;
  } while (b === 255);
  return n;
}
