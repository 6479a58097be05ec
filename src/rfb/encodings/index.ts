// The encoder table, keyed by encoding number (noVNC's this._decoders[...]).
import type { EncoderFactory } from './encoder.js';
import { EncodingType } from './encodings.js';
import { RawEncoder } from './raw.js';

export const ENCODERS = new Map<number, EncoderFactory>([[EncodingType.Raw, () => new RawEncoder()]]);
