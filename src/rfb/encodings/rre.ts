// RRE (RFC 6143 §7.7.3): a background pixel and single-colour subrectangles over it.
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import type { Encoder } from './encoder.js';
import { EncodingType } from '../wire/encodings.js';
import { clientPixels, mostFrequent, subrects } from './pixels.js';

export class RreEncoder implements Encoder {
  readonly type = EncodingType.RRE;
  #px: Uint32Array = new Uint32Array(0);

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    if (this.#px.length < r.w * r.h) this.#px = new Uint32Array(r.w * r.h);
    const px = clientPixels(r, fb, tr, this.#px);
    const bpp = tr.bytesPerPixel;
    const bg = mostFrequent(px.subarray(0, r.w * r.h));
    const countAt = out.reserve(4); // number-of-subrectangles
    let at = out.reserve(bpp);
    tr.put(out.raw, at, bg); // background-pixel-value
    let n = 0;
    // a cap keeps hopeless pictures (noise) from growing past Raw by much before the size check
    const maxRects = Math.ceil((r.w * r.h * bpp) / (bpp + 8)) + 1;
    const ok = subrects(px, 0, r.w, r.w, r.h, bg, maxRects, (c, x, y, w, h) => {
      at = out.reserve(bpp + 8);
      const b = out.raw;
      tr.put(b, at, c);
      b.writeUInt16BE(x, at + bpp);
      b.writeUInt16BE(y, at + bpp + 2);
      b.writeUInt16BE(w, at + bpp + 4);
      b.writeUInt16BE(h, at + bpp + 6);
      n++;
    });
    if (!ok) n = maxRects; // more than Raw: the dispatcher sends Raw instead
    out.patchU32(countAt, n);
  }
}
