// The one interface every encoding implements, and the table they are registered in.
import type { Rect, Surface } from '../../display/surface.js';
import type { ByteWriter } from '../byte-writer.js';
import type { PixelTranslator } from '../pixel-format.js';

export interface Encoder {
  /** The encoding number written in each rectangle header. */
  readonly type: number;
  /**
   * Write the encoded body of `rect` of `fb` (after the 12-byte header, which the dispatcher
   * writes) in the client's pixel format.
   */
  encodeRect(rect: Rect, fb: Surface, tr: PixelTranslator, out: ByteWriter): void;
  /** Drop per-session state (zlib streams). */
  reset?(): void;
}

/** Encoders are per session (some keep zlib state): the table holds factories. */
export type EncoderFactory = () => Encoder;
