// The one interface every encoding implements, and the table they are registered in.
import type { Rect, Surface } from '../../display/surface.js';
import type { ParallelDeflate } from '../wire/zlib-stream.js';
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelFormat, PixelTranslator } from '../wire/pixel-format.js';

/** What the client asked for with pseudo-encodings, as encoders need it. */
export interface EncodeParams {
  /** CompressLevel 0-9 (-256..-247); null when the client sent none. */
  compressLevel: number | null;
  /** QualityLevel 0-9 (-32..-23); null when the client sent none (Tight then never uses JPEG). */
  qualityLevel: number | null;
  /** Whether Tight may use its gradient filter (not every decoder implements it). */
  tightGradient: boolean;
}

export const DEFAULT_ENCODE_PARAMS: EncodeParams = { compressLevel: null, qualityLevel: null, tightGradient: true };

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
  /** The client changed its CompressLevel/QualityLevel. */
  configure?(params: EncodeParams): void;
  /**
   * True when the encoder keeps stream state per session: its bytes for a rectangle depend on
   * what was sent before, so they cannot be shared with another client.
   */
  readonly stateful?: boolean;
  /**
   * For stateful encoders: whether bytes another session cached for a rectangle are what this one
   * would write now (no stream resets pending), and whether the last encodeRect touched no stream
   * (a Tight fill or JPEG), so that its bytes may be shared.
   */
  canShare?(): boolean;
  lastWasStateless?(): boolean;
  /** The bytes of the last encodeRect were not sent (Raw went instead): undo any stream state. */
  withdraw?(): void;
  /** How to cut a large rectangle (default: by maxWidth and maxArea). */
  split?(rect: Rect, fb: Surface, tr: PixelTranslator): Rect[];
  /** The largest rectangle the encoding takes (Tight: 2048 pixels wide); larger ones are split. */
  readonly maxWidth?: number;
  readonly maxArea?: number;
  /** Whether this encoding can carry the client's pixel format (TightPNG: 888 only). */
  accepts?(pf: PixelFormat): boolean;
  /** A key for what else (beyond format and rectangle) the bytes depend on, for sharing. */
  variantKey?(): string;
}

/** Encoders are per session (some keep zlib state): the table holds factories, given the server's deflate threads. */
export type EncoderFactory = (deflate: ParallelDeflate | null) => Encoder;
