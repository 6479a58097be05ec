// TightPNG (noVNC's -260): Tight's framing with only fill, JPEG and PNG rectangles, so that a
// browser decodes them natively. Only for 888 true-colour formats (what noVNC uses).
import { PNG } from 'pngjs';
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelFormat, PixelTranslator } from '../wire/pixel-format.js';
import { DEFAULT_ENCODE_PARAMS, type EncodeParams, type Encoder } from './encoder.js';
import { EncodingType, TightControl } from '../wire/encodings.js';
import { clientPixels, isTpixel888, palette, tpixelPacker, writePacked } from './pixels.js';
import { encodeJpeg, isPhotoLike, JPEG_QUALITY, TIGHT_MAX_AREA, TIGHT_MAX_WIDTH, tightSplit, writeCompactLength } from './tight-common.js';

export class TightPngEncoder implements Encoder {
  readonly type = EncodingType.TightPNG;
  readonly maxWidth = TIGHT_MAX_WIDTH;
  readonly maxArea = TIGHT_MAX_AREA;
  #params: EncodeParams = DEFAULT_ENCODE_PARAMS;

  configure(p: EncodeParams): void {
    this.#params = p;
  }

  variantKey(): string {
    return `${this.#params.qualityLevel}:${this.#params.compressLevel}`;
  }

  /** PNG and JPEG carry 8-bit RGB: only formats that hold exactly that. */
  accepts(pf: PixelFormat): boolean {
    return isTpixel888(pf);
  }

  split(r: Rect, fb: Surface, tr: PixelTranslator): Rect[] {
    return tightSplit(r, fb, this.#params.qualityLevel !== null);
  }

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    const px = clientPixels(r, fb, tr);
    const pal = palette(px, 256);
    if (pal && pal.size === 1) {
      out.u8(TightControl.Fill);
      writePacked(out, tpixelPacker(tr), px[0]!);
      return;
    }
    const q = this.#params.qualityLevel;
    if (q !== null && isPhotoLike(r, fb, pal ? pal.size : null)) {
      const jpg = encodeJpeg(r, fb, JPEG_QUALITY[q]!);
      out.u8(TightControl.Jpeg);
      writeCompactLength(out, jpg.length);
      out.bytes(jpg);
      return;
    }
    const png = new PNG({ width: r.w, height: r.h, colorType: 2, inputHasAlpha: true });
    const d = png.data;
    for (let i = 0, o = 0; i < px.length; i++, o += 4) {
      const p = fb.data[(r.y + Math.floor(i / r.w)) * fb.width + r.x + (i % r.w)]!;
      d[o] = p >>> 16;
      d[o + 1] = (p >>> 8) & 255;
      d[o + 2] = p & 255;
      d[o + 3] = 255;
    }
    const level = this.#params.compressLevel ?? 2;
    const bytes = PNG.sync.write(png, { colorType: 2, deflateLevel: Math.max(1, level) });
    out.u8(TightControl.Png);
    writeCompactLength(out, bytes.length);
    out.bytes(bytes);
  }
}
