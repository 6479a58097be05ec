// FramebufferUpdates as the headless client reads them: rectangle headers, then each body through
// the decoder of its encoding (one file each under decoders/), resumable at any byte; LastRect,
// DesktopSize and ExtendedDesktopSize handled here.
import type { ByteQueue } from '../../src/rfb/wire/byte-queue.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import { EXTENDED_MOUSE_BUTTONS, QEMU_LED_STATE } from '../../src/rfb/wire/extensions.js';
import { parseRectHeader, type RectHeader } from '../../src/rfb/wire/server-messages.js';
import type { Decoder } from './decoders/decoder.js';
import { CopyRectDecoder } from './decoders/copyrect.js';
import { HextileDecoder } from './decoders/hextile.js';
import { CursorDecoder, DesktopNameDecoder, EmptyDecoder, LedStateDecoder } from './decoders/pseudo.js';
import { RawDecoder } from './decoders/raw.js';
import { RreDecoder } from './decoders/rre.js';
import { TightDecoder } from './decoders/tight.js';
import { ZlibDecoder } from './decoders/zlib.js';
import { ZrleDecoder } from './decoders/zrle.js';
import type { ClientFramebuffer } from './framebuffer.js';
import { RfbClientError } from './errors.js';

/** Decoders for every encoding this client understands, keyed by number. */
export function createDecoders(): Map<number, Decoder> {
  return new Map<number, Decoder>([
    [EncodingType.Raw, new RawDecoder()],
    [EncodingType.CopyRect, new CopyRectDecoder()],
    [EncodingType.RRE, new RreDecoder()],
    [EncodingType.Hextile, new HextileDecoder()],
    [EncodingType.Zlib, new ZlibDecoder()],
    [EncodingType.ZRLE, new ZrleDecoder()],
    [EncodingType.Tight, new TightDecoder()],
    [EncodingType.TightPNG, new TightDecoder(true)],
    [EncodingType.Cursor, new CursorDecoder()],
    [EncodingType.DesktopName, new DesktopNameDecoder()],
    [EncodingType.QemuExtendedKeyEvent, new EmptyDecoder()],
    [QEMU_LED_STATE, new LedStateDecoder()],
    [EXTENDED_MOUSE_BUTTONS, new EmptyDecoder()],
  ]);
}

export interface UpdateInfo {
  rects: RectHeader[];
  bytes: number;
}

/** What reading an update needs from the client. */
export interface UpdateTarget {
  readonly width: number;
  readonly height: number;
  readonly fb: ClientFramebuffer;
  readonly decoders: Map<number, Decoder>;
  /** The framebuffer changed size (DesktopSize, or ExtendedDesktopSize with status 0). */
  resize(width: number, height: number): void;
  /** The answer to this client's SetDesktopSize (ExtendedDesktopSize reason 1). */
  resizeResult(status: number, reason: number): void;
}

export class UpdateReader {
  #fbu: { remaining: number; rects: RectHeader[]; current: RectHeader | null; bytesAtStart: number } | null = null;

  constructor(private readonly target: UpdateTarget) {}

  /** An update is being read (its header came, not all its rectangles). */
  get active(): boolean {
    return this.#fbu !== null;
  }

  /** A FramebufferUpdate header announced `rects` rectangles (0xffff: until LastRect); its first byte was byte `bytesAtStart` of the connection. */
  begin(rects: number, bytesAtStart: number): void {
    this.#fbu = { remaining: rects, rects: [], current: null, bytesAtStart };
  }

  /** Read on; the update once all of it is decoded, else null (waiting for bytes). */
  continue(q: ByteQueue, bytesReceived: number): UpdateInfo | null {
    const u = this.#fbu!;
    while (u.remaining > 0) {
      if (!u.current) {
        if (q.length < 12) return null;
        u.current = parseRectHeader(q.consume(12));
      }
      const rect = u.current;
      if (rect.encoding === EncodingType.LastRect) {
        u.remaining = 0;
        u.current = null;
        break;
      }
      if (!this.#decodeRect(rect, q)) return null;
      u.rects.push(rect);
      u.current = null;
      u.remaining--;
    }
    this.#fbu = null;
    return { rects: u.rects, bytes: bytesReceived - q.length - u.bytesAtStart };
  }

  #decodeRect(rect: RectHeader, q: ByteQueue): boolean {
    const t = this.target;
    switch (rect.encoding) {
      case EncodingType.DesktopSize:
        t.resize(rect.w, rect.h);
        return true;
      case EncodingType.ExtendedDesktopSize: {
        if (q.length < 4) return false;
        const n = q.peek(1)[0]!;
        if (q.length < 4 + 16 * n) return false;
        q.skip(4 + 16 * n);
        // x = reason (0 server, 1 this client, 2 another client), y = status (0 = done)
        if (rect.y === 0 && (rect.w !== t.width || rect.h !== t.height)) t.resize(rect.w, rect.h);
        if (rect.x === 1) t.resizeResult(rect.y, rect.x);
        return true;
      }
      default: {
        const d = t.decoders.get(rect.encoding);
        if (!d) throw new RfbClientError('RFB_CLIENT_ERR_PROTOCOL', `server sent encoding ${rect.encoding}, which this client did not ask for`);
        if (rect.x + rect.w > t.width || rect.y + rect.h > t.height) {
          throw new RfbClientError('RFB_CLIENT_ERR_PROTOCOL', `rectangle ${rect.w}x${rect.h}+${rect.x}+${rect.y} is outside the ${t.width}x${t.height} framebuffer`);
        }
        return d.decode(rect, q, t.fb);
      }
    }
  }
}
