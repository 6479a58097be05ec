// Building one FramebufferUpdate: the pseudo-rectangles owed, the CopyRects, then the dirty
// rectangles through the client's encoders. An update of at least STREAM_MIN_BYTES (as Raw) to a
// client that takes LastRect goes out in parts as it is encoded; the writer of a small update is
// kept for the next, so that steady updates allocate nothing.
import { coalesceRects } from '../../display/dirty-region.js';
import type { Rect, Surface } from '../../display/surface.js';
import type { BufferPool } from '../buffer-pool.js';
import { ByteWriter } from '../wire/byte-writer.js';
import { writeCopyRect } from '../encodings/copyrect.js';
import { EncodingType } from '../wire/encodings.js';
import type { Move } from '../encodings/move-detect.js';
import { DESKTOP_POINTER, writeCursor, writeDesktopName, writeExtendedDesktopSize, writeQemuKeyAck, type CursorImage } from '../encodings/pseudo.js';
import type { EncodeCache, EncoderSet } from '../encodings/select.js';
import { RfbProtocolError } from '../errors.js';
import { writeExtendedMouseButtons, writeLedState } from '../wire/extensions.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import { beginFramebufferUpdate, rectHeader } from '../wire/server-messages.js';
import type { ClientCapabilities } from './capabilities.js';

/**
 * How many unchanged pixels may join two dirty rectangles into one (coalesceRects) for a client
 * whose rectangles go as `type`: a compressing encoding sends a run of unchanged pixels for less
 * than the 12-byte header (and fresh tile or stream state) of another rectangle; Raw, RRE and
 * Hextile pay for every pixel.
 */
export function joinSlackPx(type: number): number {
  switch (type) {
    case EncodingType.ZRLE:
    case EncodingType.Tight:
    case EncodingType.TightPNG:
    case EncodingType.Zlib:
      return 512;
    default:
      return 0;
  }
}

/** Updates of at least this many bytes as Raw are sent as they are encoded, in parts of about STREAM_CHUNK_BYTES. */
const STREAM_MIN_BYTES = 512 * 1024;
const STREAM_CHUNK_BYTES = 256 * 1024;
/** Writers up to this size are kept for the next update. */
const KEEP_WRITER_BYTES = 256 * 1024;

/** What building an update needs from the session's server. */
export interface UpdateSource {
  readonly surface: Surface;
  readonly desktopName: string;
  readonly cursor?: CursorImage | null;
  readonly encodeCache?: EncodeCache;
  readonly buffers?: BufferPool;
}

/** One update, built: its last bytes are the caller's to send (after counting it). */
export interface BuiltUpdate {
  rects: number;
  /** Bytes of the parts already sent (streaming). */
  sent: number;
  bytes: Uint8Array;
  written: (() => void) | undefined;
}

export class UpdateBuilder {
  /** The writer the last update was built in, kept for the next. */
  #writer: ByteWriter | null = null;

  constructor(
    private readonly src: UpdateSource,
    /** Send a part of a streamed update; false once the session closed. */
    private readonly sendPart: (data: Uint8Array, written?: () => void) => boolean,
  ) {}

  /**
   * Build the update of `dirty` (nearby rectangles joined where the client's encoding compresses) and
   * `moves`, with the pseudo-rectangles caps owes; null if the session closed meanwhile.
   */
  build(dirty: Rect[], moves: Move[], caps: ClientCapabilities, tr: PixelTranslator, encoders: EncoderSet, cacheKey: string): BuiltUpdate | null {
    const s = this.src.surface;
    const rects = coalesceRects(dirty, joinSlackPx(encoders.primary(tr).type));
    // no encoding sends more than Raw: start at that size up to 256 KiB and let a larger update grow
    let rawBytes = 16;
    for (const r of rects) rawBytes += 12 + r.w * r.h * tr.bytesPerPixel;
    const pool = this.src.buffers;
    let w = this.#writer ?? pool?.take(rawBytes) ?? new ByteWriter(Math.min(rawBytes, KEEP_WRITER_BYTES));
    this.#writer = null;
    w.reset();
    const countAt = beginFramebufferUpdate(w);
    // a large update goes out as its rectangles are encoded (the client reads and decodes the first
    // while the next are made) when the client takes LastRect: the count is known only at the end
    const lastRect = caps.support.lastRect;
    const streaming = lastRect && rawBytes >= STREAM_MIN_BYTES;
    if (streaming) w.patchU16(countAt, 0xffff);
    let sent = 0;
    let n = this.#pseudo(w, caps, tr);
    for (const m of moves) {
      rectHeader(w, m.dst.x, m.dst.y, m.dst.w, m.dst.h, EncodingType.CopyRect);
      writeCopyRect(w, m.srcX, m.srcY);
      n++;
    }
    const cache = this.src.encodeCache;
    for (const r of rects) {
      n += encoders.encode(r, s, tr, w, cache, cacheKey);
      if (streaming && w.length >= STREAM_CHUNK_BYTES) {
        const part = w.view();
        const full = w;
        sent += part.length;
        if (!this.sendPart(part, pool && (() => pool.give(full)))) return null; // the socket keeps it: a new writer goes on
        w = pool?.take(STREAM_CHUNK_BYTES * 2) ?? new ByteWriter(STREAM_CHUNK_BYTES * 2);
      }
    }
    if (streaming) {
      rectHeader(w, 0, 0, 0, 0, EncodingType.LastRect);
    } else if (n > 0xffff) {
      if (!lastRect) throw new RfbProtocolError('RFB_ERR_OUTPUT_OVERFLOW', `an update of ${n} rectangles and no LastRect support`);
      w.patchU16(countAt, 0xffff);
      rectHeader(w, 0, 0, 0, 0, EncodingType.LastRect);
    } else {
      w.patchU16(countAt, n);
    }
    // the socket keeps the buffer until sent: hand it over as is when mostly used, else a tight
    // copy, and the writer (if not grown large) builds the next update: no allocation per update
    const handOver = w.length >= w.capacity / 2;
    const bytes = handOver ? w.view() : w.toBuffer();
    const last = w;
    if (!handOver && w.capacity <= KEEP_WRITER_BYTES) this.#writer = w;
    else if (!handOver) pool?.give(w);
    return { rects: n, sent, bytes, written: handOver && pool ? () => pool.give(last) : undefined };
  }

  /** Let go of the kept writer (the session closed). */
  reset(): void {
    this.#writer = null;
  }

  /** The pseudo-rectangles owed, written and cleared; their number. */
  #pseudo(w: ByteWriter, caps: ClientCapabilities, tr: PixelTranslator): number {
    const s = this.src.surface;
    const p = caps.pending;
    let n = 0;
    if (p.size) {
      if (caps.support.extendedDesktopSize) writeExtendedDesktopSize(w, p.size.reason, p.size.status, s.width, s.height);
      else rectHeader(w, 0, 0, s.width, s.height, EncodingType.DesktopSize);
      n++;
      p.size = null;
    }
    if (p.cursor && this.src.cursor !== null) {
      writeCursor(w, this.src.cursor ?? DESKTOP_POINTER, tr);
      n++;
    }
    p.cursor = false;
    if (p.desktopName) {
      writeDesktopName(w, this.src.desktopName);
      n++;
      p.desktopName = false;
    }
    if (p.qemuKeyAck) {
      writeQemuKeyAck(w);
      n++;
      p.qemuKeyAck = false;
    }
    if (p.leds !== null) {
      writeLedState(w, p.leds);
      n++;
      p.leds = null;
    }
    if (p.mouseButtons) {
      writeExtendedMouseButtons(w);
      n++;
      p.mouseButtons = false;
      caps.ext.pointer = true; // from here on the client may send 7-byte PointerEvents
    }
    return n;
  }
}
