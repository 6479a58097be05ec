// Round-trip helpers: encode rectangles with the server's EncoderSet, decode them with the
// headless client's decoders, compare with what Raw gives in the same pixel format.
import type { Rect, Surface } from '../../../src/display/surface.js';
import { ByteQueue, ByteReader } from '../../../src/rfb/wire/byte-queue.js';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { Rgb332ColourMap } from '../../../src/rfb/encodings/colour-map.js';
import { DEFAULT_ENCODE_PARAMS, type EncodeParams } from '../../../src/rfb/encodings/encoder.js';
import { EncoderSet } from '../../../src/rfb/encodings/select.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';
import { NATIVE_FORMAT, PixelTranslator, type PixelFormat } from '../../../src/rfb/wire/pixel-format.js';
import { ClientFramebuffer } from '../../../client/headless/framebuffer.js';
import { createDecoders } from '../../../client/headless/rfb-client.js';
import type { Decoder } from '../../../client/headless/decoders/decoder.js';

const MAP = new Rgb332ColourMap();

export function translatorFor(pf: PixelFormat): PixelTranslator {
  return new PixelTranslator(pf, pf.trueColour ? undefined : (rgb) => MAP.index(rgb));
}

export function framebufferFor(w: number, h: number, pf: PixelFormat): ClientFramebuffer {
  const fb = new ClientFramebuffer(w, h, pf);
  if (!pf.trueColour) fb.colourMap = MAP.entries().map(([r, g, b]) => [r, g, b]);
  return fb;
}

/** One side of a connection: a client framebuffer and its decoders (stream state persists). */
export class Peer {
  readonly fb: ClientFramebuffer;
  readonly decoders: Map<number, Decoder> = createDecoders();
  readonly encodingsSeen: number[] = [];
  constructor(w: number, h: number, readonly pf: PixelFormat) {
    this.fb = framebufferFor(w, h, pf);
  }

  /** Decode `count` rectangles from bytes, fed in chunks of `chunk` bytes (partial input). */
  decode(bytes: Uint8Array, count: number, chunk = Infinity): void {
    const q = new ByteQueue(1 << 30);
    let fed = 0;
    const feed = () => {
      if (fed >= bytes.length) throw new Error(`ran out of bytes after ${this.encodingsSeen.length} rectangles`);
      const n = Math.min(chunk, bytes.length - fed);
      q.push(bytes.subarray(fed, fed + n));
      fed += n;
    };
    for (let i = 0; i < count; i++) {
      while (q.length < 12) feed();
      const r = new ByteReader(q.consume(12));
      const rect = { x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16(), encoding: r.s32() };
      const d = this.decoders.get(rect.encoding);
      if (!d) throw new Error(`no decoder for ${rect.encoding}`);
      while (!d.decode(rect, q, this.fb)) feed();
      this.encodingsSeen.push(rect.encoding);
    }
    if (fed !== bytes.length || q.length !== 0) throw new Error(`${bytes.length - fed + q.length} bytes left over`);
  }
}

/** Encode rects of surface for a client; returns the bytes (headers + bodies) and the count. */
export function encode(set: EncoderSet, surface: Surface, rects: Rect[], pf: PixelFormat): { bytes: Buffer; count: number } {
  const w = new ByteWriter(1024);
  const tr = translatorFor(pf);
  let count = 0;
  for (const r of rects) count += set.encode(r, surface, tr, w);
  return { bytes: w.toBuffer(), count };
}

export function encoderSet(encodings: number[], params: Partial<EncodeParams> = {}): EncoderSet {
  const s = new EncoderSet();
  s.setEncodings(encodings, { ...DEFAULT_ENCODE_PARAMS, ...params });
  return s;
}

/** What Raw shows for these rects in this format (the bit-exact reference). */
export function rawReference(surface: Surface, rects: Rect[], pf: PixelFormat): ClientFramebuffer {
  const p = new Peer(surface.width, surface.height, pf);
  const { bytes, count } = encode(encoderSet([0]), surface, rects, pf);
  p.decode(bytes, count);
  return p.fb;
}

/**
 * A crop (clipped to the surface), then the whole surface, encoded with one session's Tight in
 * `format` ('native' or a FORMATS key) at a CompressLevel and decoded by one client: the whole
 * screen's zlib data goes through the streams the crop used. The pixels that differ from what Raw
 * shows, and that session's encoder set.
 */
export function tightCropThenWhole(s: Surface, c: Rect, compressLevel: number | null, format: string): { diff: number; set: EncoderSet } {
  const rect = { x: c.x, y: c.y, w: Math.min(c.w, s.width - c.x), h: Math.min(c.h, s.height - c.y) };
  const pf = format === 'native' ? NATIVE_FORMAT : FORMATS[format]!;
  const set = encoderSet([EncodingType.Tight], { compressLevel });
  const peer = new Peer(s.width, s.height, pf);
  const rects = [rect, { x: 0, y: 0, w: s.width, h: s.height }];
  const { bytes, count } = encode(set, s, rects, pf);
  peer.decode(bytes, count);
  return { diff: diffCount(peer.fb, rawReference(s, rects, pf)), set };
}

/** Pixels (RGB) where a and b differ. */
export function diffCount(a: ClientFramebuffer, b: ClientFramebuffer): number {
  let n = 0;
  for (let i = 0; i < a.rgba.length; i += 4) if (a.rgba[i] !== b.rgba[i] || a.rgba[i + 1] !== b.rgba[i + 1] || a.rgba[i + 2] !== b.rgba[i + 2]) n++;
  return n;
}

export function pf(
  bitsPerPixel: 8 | 16 | 32,
  depth: number,
  bigEndian: boolean,
  max: [number, number, number],
  shift: [number, number, number],
  trueColour = true,
): PixelFormat {
  return { bitsPerPixel, depth, bigEndian, trueColour, redMax: max[0], greenMax: max[1], blueMax: max[2], redShift: shift[0], greenShift: shift[1], blueShift: shift[2] };
}

/** Every kind of pixel format a viewer may ask for. */
export const FORMATS: Record<string, PixelFormat> = {
  'rgb888-le': pf(32, 24, false, [255, 255, 255], [16, 8, 0]),
  'rgb888-be': pf(32, 24, true, [255, 255, 255], [16, 8, 0]),
  'bgr888-le': pf(32, 24, false, [255, 255, 255], [0, 8, 16]),
  'rgb888-ms-le': pf(32, 24, false, [255, 255, 255], [24, 16, 8]),
  'rgb888-ms-be': pf(32, 24, true, [255, 255, 255], [24, 16, 8]),
  'rgb101010-le': pf(32, 30, false, [1023, 1023, 1023], [20, 10, 0]),
  'rgb565-le': pf(16, 16, false, [31, 63, 31], [11, 5, 0]),
  'rgb565-be': pf(16, 16, true, [31, 63, 31], [11, 5, 0]),
  'rgb555-le': pf(16, 15, false, [31, 31, 31], [10, 5, 0]),
  'rgb444-odd-be': pf(16, 12, true, [15, 15, 15], [1, 6, 11]),
  'rgb332': pf(8, 8, false, [7, 7, 3], [5, 2, 0]),
  'bgr233': pf(8, 8, false, [3, 7, 7], [0, 2, 5]),
  'colour-map': pf(8, 8, false, [0, 0, 0], [0, 0, 0], false),
};

/** A small deterministic random source for property tests' pictures: rnd(n) is in 0..n-1 (xorshift32). */
export function xorshift(seed: number): (n: number) => number {
  let z = seed >>> 0 || 1;
  return (n) => {
    z ^= z << 13;
    z >>>= 0;
    z ^= z >>> 17;
    z ^= z << 5;
    z >>>= 0;
    return z % n;
  };
}
