// One RFB client: the handshake state machine, then client messages in, framebuffer updates out.
import { DirtyRegion } from '../display/dirty-region.js';
import { clipRect, type Rect, type Surface } from '../display/surface.js';
import type { ByteChannel } from '../transport/stream.js';
import { ByteQueue } from './byte-queue.js';
import type { BufferPool } from './buffer-pool.js';
import { ByteWriter } from './byte-writer.js';
import { clientMessageLength, parseClientMessage, type ClientMessage } from './client-messages.js';
import { EXTENDED_CLIPBOARD, EXTENDED_MOUSE_BUTTONS, ExtendedClipboard, QEMU_LED_STATE, writeExtendedMouseButtons, writeLedState } from './extensions.js';
import { Rgb332ColourMap, type ColourMap } from './encodings/colour-map.js';
import { writeCopyRect } from './encodings/copyrect.js';
import { EncodingType, encodingName } from './encodings/encodings.js';
import { regionTouches, regionWithout, type Move } from './encodings/move-detect.js';
import {
  DESKTOP_POINTER,
  ResizeReason,
  ResizeStatus,
  writeCursor,
  writeDesktopName,
  writeExtendedDesktopSize,
  writeQemuKeyAck,
  type CursorImage,
} from './encodings/pseudo.js';
import { EncoderSet, type EncodeCache } from './encodings/select.js';
import { UpdateRequests } from './update-requests.js';
import { RfbProtocolError, type RfbErrorCode } from './errors.js';
import { negotiateVersion, securityTypeName, SERVER_VERSION_MINOR } from './handshake.js';
import type { SecurityContext, SecurityHandler } from './security/handler.js';
import { OPEN_POLICY, type SecurityPolicy } from './security/policy.js';
import type { InputSink } from './input.js';
import { NATIVE_FORMAT, PixelTranslator, pixelFormatKey, validatePixelFormat, type PixelFormat } from './pixel-format.js';
import {
  beginFramebufferUpdate,
  protocolVersion,
  reasonString,
  rectHeader,
  serverCutText,
  serverInit,
  ServerMessageType,
  setColourMapEntries,
} from './server-messages.js';

export type SessionState = 'ProtocolVersion' | 'Security' | 'Authentication' | 'ClientInit' | 'Normal' | 'Closed';

const LEGAL: Record<SessionState, SessionState[]> = {
  ProtocolVersion: ['Security', 'Closed'],
  Security: ['Authentication', 'Closed'],
  Authentication: ['ClientInit', 'Closed'],
  ClientInit: ['Normal', 'Closed'],
  Normal: ['Closed'],
  Closed: [],
};

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
  admit(session: RfbSession, shared: boolean): string | null;
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
}

/** Fence flags (rfbproto "Fence"). */
const FENCE_BLOCK_BEFORE = 1 << 0;
const FENCE_BLOCK_AFTER = 1 << 1;
const FENCE_SYNC_NEXT = 1 << 2;
const FENCE_REQUEST = 1 << 31;

/** What the client said it supports with SetEncodings (pseudo-encodings and CopyRect). */
interface ClientSupport {
  copyRect: boolean;
  desktopSize: boolean;
  extendedDesktopSize: boolean;
  lastRect: boolean;
  desktopName: boolean;
  cursor: boolean;
  fence: boolean;
  continuousUpdates: boolean;
  qemuKey: boolean;
  ledState: boolean;
}

const NO_SUPPORT: ClientSupport = {
  copyRect: false,
  desktopSize: false,
  extendedDesktopSize: false,
  lastRect: false,
  desktopName: false,
  cursor: false,
  fence: false,
  continuousUpdates: false,
  qemuKey: false,
  ledState: false,
};

/** Pseudo-rectangles owed to the client with its next FramebufferUpdate. */
interface PendingPseudo {
  /** ExtendedDesktopSize (or DesktopSize) with this reason and status. */
  size: { reason: number; status: number } | null;
  cursor: boolean;
  desktopName: boolean;
  qemuKeyAck: boolean;
  /** QEMU LED state to send (-261). */
  leds: number | null;
  /** ExtendedMouseButtons (-316) to announce. */
  mouseButtons: boolean;
}

export interface SessionCounters {
  updates: number;
  rects: number;
  bytesSent: number;
  bytesReceived: number;
}

const DEFAULT_COLOUR_MAP = new Rgb332ColourMap();

/** Updates of at least this many bytes as Raw are sent as they are encoded, in parts of about STREAM_CHUNK_BYTES. */
const STREAM_MIN_BYTES = 512 * 1024;
const STREAM_CHUNK_BYTES = 256 * 1024;

export class RfbSession {
  state: SessionState = 'ProtocolVersion';
  readonly counters: SessionCounters = { updates: 0, rects: 0, bytesSent: 0, bytesReceived: 0 };
  closeReason: string | null = null;
  /** The coded protocol error the session ended with (null: an orderly close). */
  closeError: RfbProtocolError | null = null;
  minor: 3 | 7 | 8 = 8;
  pixelFormat: PixelFormat = NATIVE_FORMAT;
  encodings: number[] = [];
  #queue: ByteQueue;
  #translator = new PixelTranslator(NATIVE_FORMAT);
  readonly encoders = new EncoderSet();
  #support: ClientSupport = NO_SUPPORT;
  #pending: PendingPseudo = { size: null, cursor: false, desktopName: false, qemuKeyAck: false, leds: null, mouseButtons: false };
  /** Extensions in effect: 7-byte PointerEvents (after ExtendedMouseButtons went out), the Extended Clipboard. */
  readonly #ext = { pointer: false, clipboard: false };
  #clipboard: ExtendedClipboard | null = null;
  /** CopyRects owed to the client, in order, before any dirty rectangle. */
  #moves: Move[] = [];
  /** The writer the last update was built in, kept for the next (see maybeSendUpdate). */
  #writer: ByteWriter | null = null;
  /** EnableContinuousUpdates area, while enabled. */
  #continuous: Rect | null = null;
  /** This client asked for the resize under way (ExtendedDesktopSize reason 1). */
  #resizeRequested = false;
  #colourMapVersion = -1;
  #formatKey = pixelFormatKey(NATIVE_FORMAT);
  #region: DirtyRegion | null = null;
  #request: Rect | null = null;
  /** Requests received and not yet acted on: O(1) each, answered once per batch of messages. */
  readonly #asked = new UpdateRequests();
  #handshakeTimer: NodeJS.Timeout | null;
  #closeListeners: (() => void)[] = [];
  #security: SecurityHandler | null = null;
  #securityCtx: SecurityContext | null = null;
  /** For the connection's one log line: security type and auth result. */
  #logSecurity: string[] = [];
  readonly #startedAt = Date.now();
  #versionSeen = false;
  /** performance.now() of the last bytes received (or of the connection): quiet handshakes make way first. */
  lastActivity = performance.now();
  /** The client asked for exclusive access (ClientInit shared-flag 0). */
  exclusive = false;
  #warnedResize = false;

  constructor(readonly channel: ByteChannel, readonly host: SessionHost) {
    this.#queue = new ByteQueue(host.options.maxReceiveBuffer);
    channel.onData((chunk) => this.#onData(chunk));
    channel.onClose(() => this.#closed('connection closed by client'));
    channel.onDrain(() => {
      this.#clearStallTimer();
      this.maybeSendUpdate();
    });
    this.#handshakeTimer = setTimeout(
      () => this.fail(new RfbProtocolError('RFB_ERR_TIMEOUT', `handshake not finished within ${host.options.handshakeTimeoutMs} ms`)),
      host.options.handshakeTimeoutMs,
    );
    this.#handshakeTimer.unref();
    this.#send(protocolVersion(SERVER_VERSION_MINOR));
  }

  get remoteAddress(): string {
    return this.channel.remoteAddress;
  }

  get encodingName(): string {
    return encodingName(this.encoders.primary(this.#translator).type);
  }

  /** Whether this client's SetDesktopSize is what the guest's mode is switching to. */
  get resizeRequested(): boolean {
    return this.#resizeRequested;
  }

  /** Whether the client takes CopyRect (the server then looks for moves). */
  get supportsCopyRect(): boolean {
    return this.#support.copyRect;
  }

  onClose(cb: () => void): void {
    this.#closeListeners.push(cb);
  }

  #transition(to: SessionState): void {
    if (!LEGAL[this.state].includes(to)) throw new Error(`illegal session transition ${this.state} -> ${to}`);
    this.state = to;
  }

  #send(data: Uint8Array, written?: () => void): void {
    this.counters.bytesSent += data.length;
    this.channel.write(data, written);
    if (this.channel.bufferedAmount > this.host.options.maxOutputBytes) {
      this.fail(new RfbProtocolError('RFB_ERR_OUTPUT_OVERFLOW', `more than ${this.host.options.maxOutputBytes} bytes queued for a client that does not read`));
    }
  }

  #stallTimer: NodeJS.Timeout | null = null;

  /** Updates are waiting on a client that does not read: give it stallTimeoutMs to take something. */
  #armStallTimer(): void {
    if (this.#stallTimer) return;
    const ms = this.host.options.stallTimeoutMs;
    const queued = this.channel.bufferedAmount;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = null;
      if (this.channel.bufferedAmount < queued) this.#armStallTimer(); // slow, but reading
      else this.fail(new RfbProtocolError('RFB_ERR_CLIENT_STALLED', `client took no data for ${ms} ms while updates were waiting`));
    }, ms);
    this.#stallTimer.unref();
  }

  #clearStallTimer(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  #onData(chunk: Buffer): void {
    if (this.state === 'Closed') return;
    this.counters.bytesReceived += chunk.length;
    this.lastActivity = performance.now();
    try {
      this.#queue.push(chunk);
      this.#pump();
      this.#answerRequests();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Handle every complete message in the queue; return when the next one is not all there. */
  #pump(): void {
    const q = this.#queue;
    for (;;) {
      switch (this.state) {
        case 'ProtocolVersion': {
          if (q.length < 12) return;
          this.minor = negotiateVersion(q.consume(12));
          this.#versionSeen = true;
          this.#transition('Security');
          this.#offerSecurity();
          break;
        }
        case 'Security': {
          if (q.length < 1) return;
          this.#chooseSecurity(q.consume(1)[0]!);
          break;
        }
        case 'Authentication':
          if (!this.#security!.step(q, this.#securityCtx!)) return;
          break;
        case 'ClientInit': {
          if (q.length < 1) return;
          this.#clientInit(q.consume(1)[0]! !== 0);
          break;
        }
        case 'Normal': {
          if (q.length < 1) return;
          if (q.byteAt(0) === 3) {
            // FramebufferUpdateRequest, the message a client may send by the thousand: read in place
            if (q.length < 10) return;
            this.#updateRequest(q.byteAt(1) !== 0, q.u16At(2), q.u16At(4), q.u16At(6), q.u16At(8));
            q.skip(10);
            break;
          }
          const opts = this.host.options;
          // every header that declares a length fits in 12 bytes
          const need = clientMessageLength(q.peek(Math.min(q.length, 12)), q.length, opts, this.#ext);
          if (q.length < need) return;
          this.#handle(parseClientMessage(q.consume(need)));
          break;
        }
        case 'Closed':
          return;
      }
    }
  }

  get #policy(): SecurityPolicy {
    return this.host.options.security ?? OPEN_POLICY;
  }

  get #canTls(): boolean {
    return typeof this.channel.startTls === 'function';
  }

  #offerSecurity(): void {
    if (this.minor === 3) {
      // version 3.3: the server decides (u32 security-type)
      const type = this.#policy.typeFor33();
      this.#send(new ByteWriter(4).u32(type).toBuffer());
      this.#startSecurity(type);
      return;
    }
    const types = this.#policy.types(this.#canTls);
    const w = new ByteWriter(1 + types.length).u8(types.length); // number-of-security-types
    for (const t of types) w.u8(t); // security-types
    this.#send(w.toBuffer());
  }

  #chooseSecurity(type: number): void {
    if (!this.#startSecurity(type)) {
      if (this.minor === 8) {
        const w = new ByteWriter().u32(1); // SecurityResult failed
        reasonString(w, `security type ${type} is not offered`);
        this.#send(w.toBuffer());
      }
      throw new RfbProtocolError('RFB_ERR_UNSUPPORTED_SECURITY', `client chose security ${securityTypeName(type)}, which was not offered`);
    }
  }

  /** Run the chosen security type's exchange; false if we did not offer it. */
  #startSecurity(type: number): boolean {
    const handler = this.#policy.create(type, this.#canTls, this.minor);
    if (!handler) return false;
    this.#logSecurity = [`security ${handler.name}`];
    this.#security = handler;
    this.#transition('Authentication');
    const session = this;
    const active = () => session.state === 'Authentication' && session.#security === handler;
    this.#securityCtx = {
      remoteAddress: this.remoteAddress,
      send: (data) => {
        if (active()) this.#send(data);
      },
      succeed: () => {
        if (!active()) return;
        // 3.3 and 3.7 send no SecurityResult for None (RFC 6143 §7.1.3)
        if (this.minor === 8 || handler.type !== 1) this.#send(new ByteWriter(4).u32(0).toBuffer());
        this.#transition('ClientInit');
      },
      fail: (reason, detail, code: RfbErrorCode = 'RFB_ERR_AUTH_FAILED') => {
        if (!active()) return;
        const w = new ByteWriter().u32(1); // SecurityResult failed
        if (this.minor === 8) reasonString(w, reason);
        this.#send(w.toBuffer());
        this.fail(new RfbProtocolError(code, detail));
      },
      resume: () => {
        if (!active()) return;
        try {
          this.#pump();
          this.#answerRequests();
        } catch (err) {
          this.fail(err);
        }
      },
      startTls: this.#canTls ? (context) => this.channel.startTls!(context) : undefined,
      note: (detail) => this.#logSecurity.push(detail),
    };
    handler.start(this.#securityCtx);
    return true;
  }

  #clientInit(shared: boolean): void {
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = null;
    this.exclusive = !shared;
    const refused = this.host.admit(this, shared);
    if (refused !== null) {
      this.close(refused);
      return;
    }
    const s = this.host.surface;
    this.#region = new DirtyRegion(s.width, s.height);
    const w = new ByteWriter(64);
    serverInit(w, s.width, s.height, NATIVE_FORMAT, this.host.desktopName);
    this.#send(w.toBuffer());
    this.#transition('Normal');
    if (!shared) this.#logSecurity.push('exclusive');
  }

  #handle(m: ClientMessage): void {
    switch (m.type) {
      case 'SetPixelFormat':
        validatePixelFormat(m.pixelFormat);
        this.#setPixelFormat(m.pixelFormat);
        return;
      case 'SetEncodings':
        this.#setEncodings(m.encodings);
        return;
      case 'FramebufferUpdateRequest':
        this.#updateRequest(m.incremental, m.x, m.y, m.w, m.h);
        return;
      case 'KeyEvent':
        this.host.input.keyEvent(m.down, m.keysym);
        return;
      case 'QemuExtendedKeyEvent':
        this.host.input.keyEvent(m.down, m.keysym, m.keycode);
        return;
      case 'PointerEvent': {
        const s = this.host.surface;
        this.host.input.pointerEvent(m.buttonMask, Math.min(m.x, s.width - 1), Math.min(m.y, s.height - 1));
        return;
      }
      case 'ClientCutText':
        if (m.extended) this.#clipboard?.receive(m.text);
        else this.host.input.cutText(m.text.toString('latin1'));
        return;
      case 'EnableContinuousUpdates':
        this.#enableContinuousUpdates(m.enable, { x: m.x, y: m.y, w: m.w, h: m.h });
        return;
      case 'Fence':
        // we handle messages in order and write updates in order: every block/sync is already met
        if (m.flags & FENCE_REQUEST) this.#sendFence(m.flags & (FENCE_BLOCK_BEFORE | FENCE_BLOCK_AFTER | FENCE_SYNC_NEXT), m.payload);
        return;
      case 'SetDesktopSize':
        this.#setDesktopSize(m.width, m.height, m.screens.length);
        return;
    }
  }

  #setPixelFormat(pf: PixelFormat): void {
    this.pixelFormat = pf;
    const map = this.host.colourMap ?? DEFAULT_COLOUR_MAP;
    this.#translator = new PixelTranslator(pf, pf.trueColour ? undefined : (rgb) => map.index(rgb));
    this.#colourMapVersion = -1;
    this.#sendColourMapIfNeeded();
    this.#formatKey = pixelFormatKey(pf);
  }

  /** Colour-map clients get the map (again, when the guest palette changed) before pixels using it. */
  #sendColourMapIfNeeded(): boolean {
    if (this.pixelFormat.trueColour) return false;
    const map = this.host.colourMap ?? DEFAULT_COLOUR_MAP;
    if (map.version === this.#colourMapVersion) return false;
    const first = this.#colourMapVersion >= 0; // a change: what the client shows is stale
    this.#colourMapVersion = map.version;
    const w = new ByteWriter(6 + 256 * 6);
    setColourMapEntries(w, 0, map.entries().map(([r, g, b]) => [r * 257, g * 257, b * 257] as [number, number, number]));
    this.#send(w.toBuffer());
    return first;
  }

  #sendFence(flags: number, payload: Uint8Array): void {
    const w = new ByteWriter(9 + payload.length).u8(ServerMessageType.Fence).pad(3).u32(flags).u8(payload.length).bytes(payload);
    this.#send(w.toBuffer());
  }

  #setEncodings(list: number[]): void {
    this.encodings = list;
    const had = this.#support;
    const has = (e: number) => list.includes(e);
    const sup: ClientSupport = {
      copyRect: has(EncodingType.CopyRect),
      desktopSize: has(EncodingType.DesktopSize),
      extendedDesktopSize: has(EncodingType.ExtendedDesktopSize),
      lastRect: has(EncodingType.LastRect),
      desktopName: has(EncodingType.DesktopName),
      cursor: has(EncodingType.Cursor),
      fence: has(EncodingType.Fence),
      continuousUpdates: has(EncodingType.ContinuousUpdates),
      qemuKey: has(EncodingType.QemuExtendedKeyEvent),
      ledState: has(QEMU_LED_STATE),
    };
    this.#support = sup;
    const level = (lo: number, hi: number) => {
      const e = list.find((v) => v >= lo && v <= hi);
      return e === undefined ? null : e - lo;
    };
    this.encoders.setEncodings(list, {
      compressLevel: level(EncodingType.CompressLevel0, EncodingType.CompressLevel9),
      qualityLevel: level(EncodingType.QualityLevel0, EncodingType.QualityLevel9),
      // noVNC (the client that lists TightPNG) decodes Tight without the gradient filter
      tightGradient: !has(EncodingType.TightPNG),
    });
    if (sup.extendedDesktopSize && !had.extendedDesktopSize) this.#pending.size ??= { reason: ResizeReason.Server, status: ResizeStatus.Ok };
    if (sup.cursor && !had.cursor && this.host.cursor !== null) this.#pending.cursor = true;
    if (sup.desktopName && !had.desktopName) this.#pending.desktopName = true;
    if (sup.qemuKey) this.#pending.qemuKeyAck = true; // on every SetEncodings listing it, as QEMU does
    if (sup.ledState && !had.ledState) this.#pending.leds = this.host.leds ?? 0;
    if (has(EXTENDED_MOUSE_BUTTONS) && !this.#ext.pointer) this.#pending.mouseButtons = true;
    if (has(EXTENDED_CLIPBOARD) && !this.#clipboard) {
      this.#ext.clipboard = true;
      this.#clipboard = new ExtendedClipboard('server', this.host.options.maxCutText, (b) => this.#send(b), (text) => this.host.input.cutText(text));
      this.#clipboard.start();
    }
    // ContinuousUpdates: EndOfContinuousUpdates tells the client we have it; Fence: a request does
    if (sup.continuousUpdates && !had.continuousUpdates) this.#send(Buffer.from([ServerMessageType.EndOfContinuousUpdates]));
    if (sup.fence && !had.fence) this.#sendFence(FENCE_REQUEST, new Uint8Array(0));
    if (!sup.copyRect && this.#moves.length) this.#movesToRegion();
  }

  #enableContinuousUpdates(enable: boolean, area: Rect): void {
    if (!this.#support.continuousUpdates) return; // not negotiated: ignore, as TigerVNC does
    if (enable) {
      const s = this.host.surface;
      this.#continuous = clipRect(area, s.width, s.height) ?? { x: 0, y: 0, w: s.width, h: s.height };
      this.maybeSendUpdate();
      this.host.want();
      return;
    }
    this.#continuous = null;
    this.#send(Buffer.from([ServerMessageType.EndOfContinuousUpdates]));
  }

  #setDesktopSize(width: number, height: number, screens: number): void {
    if (!this.#support.extendedDesktopSize) {
      // a client may ask only once told it can (rfbproto: after an ExtendedDesktopSize rectangle)
      if (!this.#warnedResize) this.host.log(`${this.remoteAddress} SetDesktopSize ${width}x${height} ignored: the client did not announce ExtendedDesktopSize`);
      this.#warnedResize = true;
      return;
    }
    const s = this.host.surface;
    let status: number = ResizeStatus.Prohibited;
    if (this.host.resizeDesktop) {
      if (screens === 1 && width === s.width && height === s.height) status = ResizeStatus.Ok;
      else {
        status = this.host.resizeDesktop(width, height, screens);
        if (status === ResizeStatus.Ok) {
          // the answer comes with the resize itself (onResize), reason "this client"
          this.#resizeRequested = true;
          this.host.want();
          return;
        }
      }
    }
    this.#pending.size = { reason: ResizeReason.ThisClient, status };
    this.maybeSendUpdate();
  }

  #updateRequest(incremental: boolean, x: number, y: number, w: number, h: number): void {
    const s = this.host.surface;
    this.#asked.add(incremental, x, y, w, h, s.width, s.height);
  }

  /** After a batch of messages: the requests in it, acted on once (a refresh, the marking, one update). */
  #answerRequests(): void {
    const a = this.#asked;
    if (!a.any || this.state !== 'Normal') return;
    if (a.full) this.host.refreshIfStale();
    if (this.state !== 'Normal') return; // a resize during the refresh may have closed us
    const s = this.host.surface;
    const r = this.#region!;
    // before a resize reaches us the region is the old size: it will be all dirty anyway
    this.#request = a.take(this.#request, r.width === s.width && r.height === s.height ? r : null);
    this.maybeSendUpdate();
    if (this.#request) this.host.want();
  }

  /** The display surface was replaced: everything is dirty; tell the client the new size. */
  onResize(surface: Surface, byOtherClient = false): void {
    if (this.state !== 'Normal') return;
    const r = this.#region;
    if (r && r.width === surface.width && r.height === surface.height) {
      this.#movesToRegion(); // a new surface of the same size: copies still owed go as pixels
      if (this.#resizeRequested) {
        this.#resizeRequested = false;
        this.#pending.size = { reason: ResizeReason.ThisClient, status: ResizeStatus.Ok };
        this.maybeSendUpdate();
      }
      return;
    }
    if (!this.#support.desktopSize && !this.#support.extendedDesktopSize) {
      this.fail(
        new RfbProtocolError(
          'RFB_ERR_RESIZE_UNSUPPORTED',
          `the guest changed its screen to ${surface.width}x${surface.height} and this client does not support the DesktopSize pseudo-encoding`,
        ),
      );
      return;
    }
    this.#region = new DirtyRegion(surface.width, surface.height);
    this.#region.addRect({ x: 0, y: 0, w: surface.width, h: surface.height });
    this.#asked.resized(surface.width, surface.height);
    this.#moves = [];
    const reason = this.#resizeRequested ? ResizeReason.ThisClient : byOtherClient ? ResizeReason.OtherClient : ResizeReason.Server;
    this.#resizeRequested = false;
    this.#pending.size = { reason, status: ResizeStatus.Ok };
    if (this.#request) this.#request = { x: 0, y: 0, w: surface.width, h: surface.height };
    if (this.#continuous) this.#continuous = { x: 0, y: 0, w: surface.width, h: surface.height };
    this.maybeSendUpdate();
  }

  /** Changes on the surface: remember them, and send if the client is waiting. */
  onUpdate(region: DirtyRegion, move: Move | null = null): void {
    if (this.state !== 'Normal' || !this.#region) return;
    if (region.width !== this.#region.width || region.height !== this.#region.height) return; // a resize follows
    const src = move && { x: move.srcX, y: move.srcY, w: move.dst.w, h: move.dst.h };
    if (move && src && this.#support.copyRect && !regionTouches(this.#region, src)) {
      // the client holds the source pixels (nothing pending there): copy, and send the rest
      this.#moves.push(move);
      this.#region.addRegion(regionWithout(region, move.dst));
    } else {
      this.#region.addRegion(region);
    }
    this.maybeSendUpdate();
  }

  /** Pending copies become plain dirty rectangles (the client cannot take them now). */
  #movesToRegion(): void {
    for (const m of this.#moves) this.#region?.addRect(m.dst);
    this.#moves = [];
  }

  wantsUpdate(): boolean {
    return this.state === 'Normal' && (this.#request !== null || this.#continuous !== null);
  }

  /** Pending chunks (for stats and tests). */
  get pendingChunks(): number {
    return this.#region ? this.#region.countChunks() : 0;
  }

  /** Answer the outstanding request (or the continuous-updates area) if there is something to send. */
  maybeSendUpdate(): void {
    if (this.state !== 'Normal' || !this.#region) return;
    const area = this.#request ?? this.#continuous;
    if (!area) return;
    if (this.channel.bufferedAmount > this.host.options.maxQueuedBytes) {
      this.#armStallTimer();
      return; // wait for 'drain'
    }
    const s = this.host.surface;
    if (this.#region.width !== s.width || this.#region.height !== s.height) return; // resize not seen yet
    if (this.#sendColourMapIfNeeded()) this.#region.addRect({ x: 0, y: 0, w: s.width, h: s.height });
    const inArea = (r: Rect) => r.x >= area.x && r.y >= area.y && r.x + r.w <= area.x + area.w && r.y + r.h <= area.y + area.h;
    if (this.#moves.some((m) => !inArea(m.dst))) this.#movesToRegion();
    const moves = this.#moves;
    const rects = this.#region.takeRects(area);
    const p = this.#pending;
    const pseudo = p.size !== null || p.cursor || p.desktopName || p.qemuKeyAck || p.leds !== null || p.mouseButtons;
    if (rects.length === 0 && moves.length === 0 && !pseudo) return;
    this.#moves = [];
    const tr = this.#translator;
    // no encoding sends more than Raw: start at that size up to 256 KiB and let a larger update grow
    let rawBytes = 16;
    for (const r of rects) rawBytes += 12 + r.w * r.h * tr.bytesPerPixel;
    const pool = this.host.buffers;
    let w = this.#writer ?? pool?.take(rawBytes) ?? new ByteWriter(Math.min(rawBytes, 256 * 1024));
    this.#writer = null;
    w.reset();
    const countAt = beginFramebufferUpdate(w);
    // a large update goes out as its rectangles are encoded (the client reads and decodes the first
    // while the next are made) when the client takes LastRect: the count is known only at the end
    const streaming = this.#support.lastRect && rawBytes >= STREAM_MIN_BYTES;
    if (streaming) w.patchU16(countAt, 0xffff);
    let sent = 0;
    let n = 0;
    if (p.size) {
      if (this.#support.extendedDesktopSize) writeExtendedDesktopSize(w, p.size.reason, p.size.status, s.width, s.height);
      else rectHeader(w, 0, 0, s.width, s.height, EncodingType.DesktopSize);
      n++;
      p.size = null;
    }
    if (p.cursor && this.host.cursor !== null) {
      writeCursor(w, this.host.cursor ?? DESKTOP_POINTER, tr);
      n++;
    }
    p.cursor = false;
    if (p.desktopName) {
      writeDesktopName(w, this.host.desktopName);
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
      this.#ext.pointer = true; // from here on the client may send 7-byte PointerEvents
    }
    for (const m of moves) {
      rectHeader(w, m.dst.x, m.dst.y, m.dst.w, m.dst.h, EncodingType.CopyRect);
      writeCopyRect(w, m.srcX, m.srcY);
      n++;
    }
    const cache = this.host.encodeCache;
    const key = tr.pf.trueColour ? this.#formatKey : `${this.#formatKey}:map${this.#colourMapVersion}`;
    for (const r of rects) {
      n += this.encoders.encode(r, s, tr, w, cache, key);
      if (streaming && w.length >= STREAM_CHUNK_BYTES) {
        const part = w.view();
        const full = w;
        sent += part.length;
        this.#send(part, pool && (() => pool.give(full))); // the socket keeps it: a new writer goes on
        if ((this.state as SessionState) === 'Closed') return; // #send may have failed it
        w = pool?.take(STREAM_CHUNK_BYTES * 2) ?? new ByteWriter(STREAM_CHUNK_BYTES * 2);
      }
    }
    if (streaming) {
      rectHeader(w, 0, 0, 0, 0, EncodingType.LastRect);
    } else if (n > 0xffff) {
      if (!this.#support.lastRect) throw new RfbProtocolError('RFB_ERR_OUTPUT_OVERFLOW', `an update of ${n} rectangles and no LastRect support`);
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
    if (!handOver && w.capacity <= 256 * 1024) this.#writer = w;
    else if (!handOver) pool?.give(w);
    this.#request = null;
    this.counters.updates++;
    this.counters.rects += n;
    this.host.countUpdate(sent + bytes.length, n);
    this.#send(bytes, handOver && pool ? () => pool.give(last) : undefined);
  }

  /** The guest keyboard's LEDs changed: QEMU LED state clients get them with the next update. */
  onLeds(leds: number): void {
    if (!this.#support.ledState) return;
    this.#pending.leds = leds;
    this.maybeSendUpdate();
  }


  /**
   * The guest's clipboard changed: Extended Clipboard clients are notified (and ask for it, in
   * UTF-8), others get ServerCutText (Latin-1 on the wire, RFC 6143 §7.6.4).
   */
  sendCutText(text: string): void {
    if (this.state !== 'Normal') return;
    if (this.#clipboard?.offer(text)) return;
    const body = Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1');
    this.#send(serverCutText(new ByteWriter(8 + body.length), body).toBuffer());
  }

  /** The one error path: log the reason, close the connection. */
  fail(err: unknown): void {
    if (this.state === 'Closed') return;
    const reason = err instanceof RfbProtocolError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    if (err instanceof RfbProtocolError) this.closeError = err;
    this.#closed(reason);
    // a client over its output cap would never drain what is queued: drop it now
    if (err instanceof RfbProtocolError && err.code === 'RFB_ERR_OUTPUT_OVERFLOW') this.channel.destroy();
    else this.channel.close();
  }

  /** Close from the server side with a reason (shutdown, exclusive client). */
  close(reason: string): void {
    if (this.state === 'Closed') return;
    this.#closed(reason);
    this.channel.close();
  }

  #closed(reason: string): void {
    if (this.state === 'Closed') return;
    this.state = 'Closed';
    this.closeReason = reason;
    if (this.#handshakeTimer) clearTimeout(this.#handshakeTimer);
    this.#clearStallTimer();
    this.#security?.dispose?.();
    this.#securityCtx = null;
    if (this.#queue.length > 0 && reason === 'connection closed by client') {
      reason = `RFB_ERR_TRUNCATED: connection closed by client in the middle of a message (${this.#queue.length} bytes discarded)`;
      this.closeReason = reason;
    }
    this.#queue.clear();
    this.#region = null;
    // let go of per-session encoder state now: the channel may outlive us by a few seconds while it closes
    this.encoders.reset(); // closes the zlib streams
    this.#writer = null;
    this.#moves = [];
    // the connection's one log line (never a password or key)
    const version = this.#versionSeen ? `RFB 3.${this.minor}` : 'no RFB version';
    const secs = ((Date.now() - this.#startedAt) / 1000).toFixed(1);
    const sec = this.#logSecurity.length > 0 ? this.#logSecurity.join(', ') : 'no security';
    this.host.log(`${this.remoteAddress} ${version}, ${sec}, ${secs} s, ${this.counters.bytesSent} bytes sent, closed: ${reason}`);
    for (const cb of this.#closeListeners) cb();
  }
}

