// The encoder table, keyed by encoding number (noVNC's this._decoders[...]).
import type { EncoderFactory } from './encoder.js';
import { EncodingType } from '../wire/encodings.js';
import { HextileEncoder } from './hextile.js';
import { RawEncoder } from './raw.js';
import { RreEncoder } from './rre.js';
import { TightEncoder } from './tight.js';
import { TightPngEncoder } from './tightpng.js';
import { ZlibEncoder } from './zlib.js';
import { ZrleEncoder } from './zrle.js';

/** Encodings for dirty rectangles. CopyRect (copyrect.ts) is used for moves only. */
export const ENCODERS = new Map<number, EncoderFactory>([
  [EncodingType.Raw, () => new RawEncoder()],
  [EncodingType.RRE, () => new RreEncoder()],
  [EncodingType.Hextile, () => new HextileEncoder()],
  [EncodingType.Zlib, (deflate) => new ZlibEncoder(deflate)],
  [EncodingType.Tight, (deflate) => new TightEncoder(deflate)],
  [EncodingType.ZRLE, (deflate) => new ZrleEncoder(deflate)],
  [EncodingType.TightPNG, () => new TightPngEncoder()],
]);
