// Per-rectangle choice of encoding for one session: the client's preference order, narrowed by
// the pixel format and the rectangle's content, never more bytes than Raw; bytes of stateless
// encoders are shared between sessions through an EncodeCache.
import type { Rect, Surface } from '../../display/surface.js';
import { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import { rectHeader } from '../wire/server-messages.js';
import { DEFAULT_ENCODE_PARAMS, type EncodeParams, type Encoder } from './encoder.js';
import { EncodingType } from '../wire/encodings.js';
import { ENCODERS } from './index.js';
import { RawEncoder, rawSize } from './raw.js';
import { splitRect } from './split.js';
import type { EncodeCache } from './encode-cache.js';
import type { ParallelDeflate } from '../wire/zlib-stream.js';

export { splitRect };
export { EncodeCache } from './encode-cache.js';

export interface SelectionCounters {
  /** Rectangles sent, by encoding number. */
  byEncoding: Map<number, number>;
  /** Rectangles where the chosen encoding lost to Raw. */
  rawFallbacks: number;
}

/** True when every pixel of r is the same (native pixels: solid there is solid for any format). */
export function isSolidRect(r: Rect, fb: Surface): boolean {
  const d = fb.data;
  const v = d[r.y * fb.width + r.x];
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * fb.width;
    for (let x = r.x; x < r.x + r.w; x++) if (d[row + x] !== v) return false;
  }
  return true;
}

export class EncoderSet {
  readonly counters: SelectionCounters = { byEncoding: new Map(), rawFallbacks: 0 };
  #encoders = new Map<number, Encoder>();
  #prefs: number[] = [];
  #params: EncodeParams = DEFAULT_ENCODE_PARAMS;
  #raw = new RawEncoder();
  #tmp = new ByteWriter(64 * 1024);

  /** `deflate`: the server's deflate threads, for the zlib streams of this session's encoders (null: none). */
  constructor(readonly deflate: ParallelDeflate | null = null) {}

  /** The client's SetEncodings list (any order, any unknown numbers) and its levels. */
  setEncodings(list: readonly number[], params: EncodeParams): void {
    this.#params = params;
    this.#prefs = [];
    for (const e of list) {
      if (!ENCODERS.has(e) || this.#prefs.includes(e)) continue;
      this.#prefs.push(e);
      this.#get(e);
    }
    for (const enc of this.#encoders.values()) enc.configure?.(params);
  }

  get params(): EncodeParams {
    return this.#params;
  }

  #get(type: number): Encoder {
    let enc = this.#encoders.get(type);
    if (!enc) {
      enc = type === EncodingType.Raw ? this.#raw : ENCODERS.get(type)!(this.deflate);
      enc.configure?.(this.#params);
      this.#encoders.set(type, enc);
    }
    return enc;
  }

  /** This session's encoder for an encoding number, if the client listed it. */
  encoder(type: number): Encoder | undefined {
    return this.#encoders.get(type);
  }

  /** The encoding dirty rectangles get in this pixel format (the first usable in the client's order). */
  primary(tr: PixelTranslator): Encoder {
    for (const e of this.#prefs) {
      const enc = this.#get(e);
      if (!enc.accepts || enc.accepts(tr.pf)) return enc;
    }
    return this.#raw;
  }

  /** What a solid rectangle goes as: the primary, unless that is Raw/Zlib and RRE or Hextile is allowed. */
  #forSolid(primary: Encoder): Encoder {
    if (primary.type !== EncodingType.Raw && primary.type !== EncodingType.Zlib) return primary;
    for (const e of this.#prefs) if (e === EncodingType.RRE || e === EncodingType.Hextile) return this.#get(e);
    return primary;
  }

  /**
   * Append rectangle r (header and body, possibly split into several rectangles) to out.
   * Returns how many rectangles were written. `cacheKey` names the pixel format (and colour
   * map) for sharing bytes through `cache`; stateful encoders never share.
   */
  encode(r: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter, cache?: EncodeCache, cacheKey?: string): number {
    let enc = this.primary(tr);
    if (enc.type !== EncodingType.Raw && r.w * r.h >= 64 && isSolidRect(r, fb)) enc = this.#forSolid(enc);
    let n = 0;
    for (const piece of enc.split ? enc.split(r, fb, tr) : splitRect(r, enc.maxWidth, enc.maxArea)) {
      this.#encodeOne(piece, enc, fb, tr, out, cache, cacheKey);
      n++;
    }
    return n;
  }

  #encodeOne(r: Rect, enc: Encoder, fb: Surface, tr: PixelTranslator, out: ByteWriter, cache?: EncodeCache, cacheKey?: string): void {
    // stateless encoders always share; stateful ones only bytes that touched no stream (Tight fill, JPEG)
    const share = cache !== undefined && cacheKey !== undefined && (!enc.stateful || (enc.canShare?.() ?? false));
    const key = share ? `${enc.type}:${enc.variantKey?.() ?? ''}:${cacheKey}:${r.x},${r.y},${r.w},${r.h}` : '';
    if (share) {
      const hit = cache.get(key, this);
      if (hit) {
        out.bytes(hit);
        this.#count(hit.readInt32BE(8));
        return;
      }
    }
    const start = out.length;
    const limit = rawSize(r, tr.bytesPerPixel);
    let used = enc;
    if (enc.type === EncodingType.Raw) {
      rectHeader(out, r.x, r.y, r.w, r.h, EncodingType.Raw);
      this.#raw.encodeRect(r, fb, tr, out);
    } else {
      const tmp = this.#tmp;
      tmp.reset();
      enc.encodeRect(r, fb, tr, tmp);
      if (tmp.length <= limit) {
        rectHeader(out, r.x, r.y, r.w, r.h, enc.type);
        out.bytes(tmp.view());
      } else {
        enc.withdraw?.();
        this.counters.rawFallbacks++;
        used = this.#raw;
        rectHeader(out, r.x, r.y, r.w, r.h, EncodingType.Raw);
        this.#raw.encodeRect(r, fb, tr, out);
      }
    }
    this.#count(used.type);
    // a Raw fallback is shareable too: Raw has no state (and the stream's output was withdrawn)
    const stateless = !enc.stateful || used !== enc || enc.lastWasStateless?.() === true;
    if (share && stateless && cache.accepts(this, out.length - start)) {
      const bytes = out.view().subarray(start);
      const own = Buffer.allocUnsafeSlow(bytes.length); // not from the pool: see EncodeCache.set
      own.set(bytes);
      cache.set(key, own, this);
    }
  }

  #count(type: number): void {
    this.counters.byEncoding.set(type, (this.counters.byEncoding.get(type) ?? 0) + 1);
  }

  /** Drop every encoder's stream state (a new session, or on request). */
  reset(): void {
    for (const enc of this.#encoders.values()) enc.reset?.();
  }
}
