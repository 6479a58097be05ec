// What a session needs from its server (SessionHost), its limits (the server's options) and their
// defaults, and its counters.
import type { Surface } from '../../display/surface.js';
import type { Admittable } from '../admission.js';
import type { BufferPool } from '../buffer-pool.js';
import type { ColourMap } from '../encodings/colour-map.js';
import type { CursorImage } from '../encodings/pseudo.js';
import type { EncodeCache } from '../encodings/select.js';
import type { InputSink } from '../input.js';
import type { SecurityPolicy } from '../security/policy.js';
import type { ParallelDeflate } from '../wire/zlib-stream.js';

export interface SessionOptions {
  maxCutText: number;
  maxEncodings: number;
  /**
   * Hold back updates while more than this many bytes wait in user space (backpressure): with 0,
   * a new update is built only once the previous one has gone to the kernel, so a client that
   * stops reading holds at most about one frame; its changes coalesce in its dirty region.
   */
  maxQueuedBytes: number;
  /** Hard cap on bytes queued for one client: beyond it the client is disconnected. */
  maxOutputBytes: number;
  /** Disconnect a client that has not taken any data for this long while updates wait. */
  stallTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** Receive buffer cap. */
  maxReceiveBuffer: number;
  /** Authentication and TLS (default: security type None only). */
  security?: SecurityPolicy;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  maxCutText: 1024 * 1024,
  maxEncodings: 64,
  maxQueuedBytes: 0,
  maxOutputBytes: 32 * 1024 * 1024,
  stallTimeoutMs: 60_000,
  handshakeTimeoutMs: 10_000,
  maxReceiveBuffer: 4 * 1024 * 1024,
};

/** What a session needs from its server. */
export interface SessionHost {
  readonly surface: Surface;
  readonly desktopName: string;
  readonly input: InputSink;
  readonly options: SessionOptions;
  /** Ask the display pipeline for fresh changes (this session now waits for some). */
  want(): void;
  /** Bring the surface up to date now if it may be stale (before a full update). */
  refreshIfStale(): void;
  /** ClientInit: null lets the session in (the host applies its share policy), else why not. */
  admit(session: Admittable, shared: boolean): string | null;
  log(line: string): void;
  countUpdate(bytes: number, rects: number): void;
  /** Encoded rectangles shared between sessions (bytes of stateless encoders). */
  readonly encodeCache?: EncodeCache;
  /** Large update writers, reused once the transport has passed their bytes on. */
  readonly buffers?: BufferPool;
  /** The colour map for colour-map clients (default 3-3-2); the guest DAC may feed it. */
  readonly colourMap?: ColourMap;
  /** The pointer shape for clients of the Cursor pseudo-encoding. */
  readonly cursor?: CursorImage | null;
  /** Answer SetDesktopSize: an ExtendedDesktopSize status (0 = the guest's mode is switching). */
  resizeDesktop?(width: number, height: number, screens: number): number;
  /** The guest keyboard's LEDs (bit 0 Scroll, 1 Num, 2 Caps Lock) for QEMU LED state clients. */
  readonly leds?: number;
  /** The server's deflate threads, shared by its sessions' zlib streams (absent: none). */
  readonly deflate?: ParallelDeflate;
}

export interface SessionCounters {
  updates: number;
  rects: number;
  bytesSent: number;
  bytesReceived: number;
}
