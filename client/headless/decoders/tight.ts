// Tight (rfbproto, 7) and TightPNG (-260) for the headless client: four inflaters, fill, JPEG
// (jpeg-js), PNG (pngjs), and basic compression with the copy, palette and gradient filters.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import { TIGHT_MIN_TO_COMPRESS, TightControl, TightFilter } from '../../../src/rfb/wire/encodings.js';
import { InflateStream } from '../../../src/rfb/wire/zlib-stream.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';
import { isTight888, NeedMore, PeekReader, putRgba, putValues, tpixelReader } from './reader.js';

export class TightDecoder implements Decoder {
  #streams: (InflateStream | null)[] = [null, null, null, null];

  constructor(readonly png = false) {}

  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    if (q.length === 0) return false;
    const rd = new PeekReader(q.peek(q.length));
    let apply: () => void;
    try {
      apply = this.#parse(r, rd, fb);
    } catch (e) {
      if (e instanceof NeedMore) return false;
      throw e;
    }
    q.skip(rd.off);
    apply();
    return true;
  }

  /** Parse the whole rectangle (throws NeedMore, touching no state); return what applies it. */
  #parse(r: RectHeader, rd: PeekReader, fb: ClientFramebuffer): () => void {
    const ctl = rd.u8();
    const resets = ctl & 15;
    const kind = ctl & 0xf0;
    const tp = tpixelReader(fb);
    const doResets = () => {
      for (let i = 0; i < 4; i++)
        if (resets & (1 << i)) {
          this.#streams[i]?.close();
          this.#streams[i] = null;
        }
    };
    if (kind === TightControl.Fill) {
      const v = tp.read(rd.bytes(tp.size), 0);
      return () => {
        doResets();
        fb.fillRgb(r.x, r.y, r.w, r.h, fb.toRgb(v));
      };
    }
    if (kind === TightControl.Jpeg) {
      const data = rd.bytes(rd.compactLength());
      return () => {
        doResets();
        const img = jpeg.decode(data, { useTArray: true, formatAsRGBA: true });
        if (img.width !== r.w || img.height !== r.h) throw new Error(`JPEG is ${img.width}x${img.height}, rectangle ${r.w}x${r.h}`);
        this.#putRgbThroughFormat(fb, r, img.data);
      };
    }
    if (kind === TightControl.Png) {
      if (!this.png) throw new Error('PNG rectangle in Tight (only TightPNG has it)');
      const data = rd.bytes(rd.compactLength());
      return () => {
        doResets();
        const img = PNG.sync.read(Buffer.from(data));
        if (img.width !== r.w || img.height !== r.h) throw new Error(`PNG is ${img.width}x${img.height}, rectangle ${r.w}x${r.h}`);
        this.#putRgbThroughFormat(fb, r, img.data);
      };
    }
    if (kind & 0x80) throw new Error(`Tight compression control ${ctl.toString(16)} is not defined`);
    if (this.png) throw new Error('basic compression in TightPNG');
    const stream = (ctl >> 4) & 3;
    const filter = ctl & TightControl.ExplicitFilter ? rd.u8() : TightFilter.Copy;
    let palette: number[] | null = null;
    let size: number;
    if (filter === TightFilter.Palette) {
      const n = rd.u8() + 1;
      palette = [];
      for (let i = 0; i < n; i++) palette.push(tp.read(rd.bytes(tp.size), 0));
      size = n === 2 ? ((r.w + 7) >> 3) * r.h : r.w * r.h;
    } else if (filter === TightFilter.Gradient) {
      if (!isTight888(fb.pf)) throw new Error('gradient filter is only decoded for 888 formats here');
      size = r.w * r.h * 3;
    } else if (filter === TightFilter.Copy) {
      size = r.w * r.h * tp.size;
    } else {
      throw new Error(`Tight filter ${filter} is not defined`);
    }
    const compressed = size >= TIGHT_MIN_TO_COMPRESS;
    const data = compressed ? rd.bytes(rd.compactLength()) : rd.bytes(size);
    return () => {
      doResets();
      const raw = compressed ? (this.#streams[stream] ??= new InflateStream()).inflate(data) : data;
      if (raw.length !== size) throw new Error(`Tight data is ${raw.length} bytes, expected ${size}`);
      const v = new Uint32Array(r.w * r.h);
      if (palette) {
        if (palette.length === 2) {
          const rowBytes = (r.w + 7) >> 3;
          for (let y = 0; y < r.h; y++) for (let x = 0; x < r.w; x++) v[y * r.w + x] = palette[(raw[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1]!;
        } else {
          for (let i = 0; i < v.length; i++) {
            const c = palette[raw[i]!];
            if (c === undefined) throw new Error(`Tight palette index ${raw[i]} out of ${palette.length}`);
            v[i] = c;
          }
        }
      } else if (filter === TightFilter.Gradient) {
        const rgb = new Uint8Array(raw.length);
        for (let y = 0; y < r.h; y++)
          for (let x = 0; x < r.w; x++)
            for (let c = 0; c < 3; c++) {
              const i = (y * r.w + x) * 3 + c;
              const l = x > 0 ? rgb[i - 3]! : 0;
              const u = y > 0 ? rgb[i - r.w * 3]! : 0;
              const ul = x > 0 && y > 0 ? rgb[i - r.w * 3 - 3]! : 0;
              const p = Math.min(255, Math.max(0, l + u - ul));
              rgb[i] = (raw[i]! + p) & 255;
            }
        for (let i = 0; i < v.length; i++) v[i] = tp.read(rgb, i * 3);
      } else {
        for (let i = 0; i < v.length; i++) v[i] = tp.read(raw, i * tp.size);
      }
      putValues(fb, r.x, r.y, r.w, r.h, v);
    };
  }

  /** JPEG/PNG give 8-bit RGB; a viewer shows it as it is. */
  #putRgbThroughFormat(fb: ClientFramebuffer, r: RectHeader, rgba: Uint8Array): void {
    putRgba(fb, r.x, r.y, r.w, r.h, rgba, 4);
  }

  reset(): void {
    for (const s of this.#streams) s?.close();
    this.#streams = [null, null, null, null];
  }
}
