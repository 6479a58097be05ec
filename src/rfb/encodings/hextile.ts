// Hextile (RFC 6143 §7.7.4): 16x16 tiles, each raw or a background plus subrectangles, with the
// background and foreground carried from tile to tile.
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import type { Encoder } from './encoder.js';
import { EncodingType, HextileSub } from '../wire/encodings.js';
import { clientPixels, mostFrequent, palette, subrects, writePixel } from './pixels.js';


export class HextileEncoder implements Encoder {
  readonly type = EncodingType.Hextile;
  #px: Uint32Array = new Uint32Array(0);

  encodeRect(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void {
    if (this.#px.length < r.w * r.h) this.#px = new Uint32Array(r.w * r.h);
    const px = clientPixels(r, fb, tr, this.#px);
    const bpp = tr.bytesPerPixel;
    let bg: number | null = null;
    let fg: number | null = null;
    const tile = new Uint32Array(256);
    for (let ty = 0; ty < r.h; ty += 16) {
      const th = Math.min(16, r.h - ty);
      for (let tx = 0; tx < r.w; tx += 16) {
        const tw = Math.min(16, r.w - tx);
        const base = ty * r.w + tx;
        for (let y = 0; y < th; y++) tile.set(px.subarray(base + y * r.w, base + y * r.w + tw), y * tw);
        const t = tile.subarray(0, tw * th);
        const pal = palette(t, 3) ?? palette(t, 256);
        const colours = pal ? pal.size : 257;
        const rawBytes = tw * th * bpp;
        const maskAt = out.reserve(1);
        let mask = 0;
        if (colours === 1) {
          const c = t[0]!;
          if (c !== bg) {
            mask |= HextileSub.BackgroundSpecified;
            writePixel(out, tr, c);
            bg = c;
          }
          out.raw[maskAt] = mask;
          continue;
        }
        const tileBg = mostFrequent(t);
        const mono = colours === 2;
        const tileFg = mono ? [...pal!.keys()].find((v) => v !== tileBg)! : null;
        // header bytes: mask, [bg], [fg], count; then each subrect: [pixel], xy, wh
        const perRect = mono ? 2 : bpp + 2;
        const fixed = 1 + (tileBg !== bg ? bpp : 0) + (mono && tileFg !== fg ? bpp : 0) + 1;
        const maxRects = Math.min(255, Math.floor((rawBytes - fixed) / perRect));
        const rects: number[] = [];
        const ok = maxRects > 0 && subrects(t, 0, tw, tw, th, tileBg, maxRects, (c, x, y, w, h) => rects.push(c, x, y, w, h));
        if (!ok) {
          mask = HextileSub.Raw;
          out.raw[maskAt] = mask;
          const at = out.reserve(rawBytes);
          for (let i = 0; i < t.length; i++) tr.put(out.raw, at + i * bpp, t[i]!);
          bg = fg = null; // after a raw tile, state both again (TigerVNC, QEMU do the same)
          continue;
        }
        if (tileBg !== bg) {
          mask |= HextileSub.BackgroundSpecified;
          writePixel(out, tr, tileBg);
          bg = tileBg;
        }
        if (mono) {
          if (tileFg !== fg) {
            mask |= HextileSub.ForegroundSpecified;
            writePixel(out, tr, tileFg!);
            fg = tileFg;
          }
        } else {
          mask |= HextileSub.SubrectsColoured;
          fg = null;
        }
        mask |= HextileSub.AnySubrects;
        out.u8(rects.length / 5); // number-of-subrectangles
        for (let i = 0; i < rects.length; i += 5) {
          if (!mono) writePixel(out, tr, rects[i]!);
          out.u8((rects[i + 1]! << 4) | rects[i + 2]!); // x-and-y-position
          out.u8(((rects[i + 3]! - 1) << 4) | (rects[i + 4]! - 1)); // width-and-height
        }
        out.raw[maskAt] = mask;
      }
    }
  }
}
