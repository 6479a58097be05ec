// Raw encoding (RFC 6143 §7.7.1): width × height pixels in the client's format, rows top to bottom.
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import type { Encoder } from './encoder.js';
import { EncodingType } from '../wire/encodings.js';

export class RawEncoder implements Encoder {
  readonly type = EncodingType.Raw;

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    const n = r.w * r.h * tr.bytesPerPixel;
    const at = out.reserve(n);
    tr.translateRect(fb.data, r.y * fb.width + r.x, fb.width, r.w, r.h, out.raw, at);
  }
}

/** The size of a rectangle's Raw body: the bound every other choice must meet. */
export function rawSize(r: Rect, bytesPerPixel: number): number {
  return r.w * r.h * bytesPerPixel;
}
