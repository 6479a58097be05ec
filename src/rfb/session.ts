// One RFB client: the handshake state machine, then client messages in, framebuffer updates out.
import { DirtyRegion } from '../display/dirty-region.js';
import { clipRect, type Rect, type Surface } from '../display/surface.js';
import type { ByteChannel } from '../transport/stream.js';
import { ByteQueue } from './byte-queue.js';
import { ByteWriter } from './byte-writer.js';
import { clientMessageLength, parseClientMessage, type ClientMessage } from './client-messages.js';
import type { Encoder } from './encodings/encoder.js';
import { EncodingType, encodingName } from './encodings/encodings.js';
import { ENCODERS } from './encodings/index.js';
import { RawEncoder } from './encodings/raw.js';
import { RfbProtocolError, type RfbErrorCode } from './errors.js';
import { negotiateVersion, securityTypeName, SERVER_VERSION_MINOR } from './handshake.js';
import type { SecurityContext, SecurityHandler } from './security/handler.js';
import { OPEN_POLICY, type SecurityPolicy } from './security/policy.js';
import type { InputSink } from './input.js';
import { NATIVE_FORMAT, PixelTranslator, validatePixelFormat, type PixelFormat } from './pixel-format.js';
import {
  beginFramebufferUpdate,
  protocolVersion,
  reasonString,
  rectHeader,
  SecurityType,
  serverCutText,
  serverInit,
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
  /** ClientInit with shared-flag 0: disconnect everyone else. */
  exclusive(session: RfbSession): void;
  log(line: string): void;
  countUpdate(bytes: number, rects: number): void;
}

export interface SessionCounters {
  updates: number;
  rects: number;
  bytesSent: number;
  bytesReceived: number;
}

export class RfbSession {
  state: SessionState = 'ProtocolVersion';
  readonly counters: SessionCounters = { updates: 0, rects: 0, bytesSent: 0, bytesReceived: 0 };
  closeReason: string | null = null;
  minor: 3 | 7 | 8 = 8;
  pixelFormat: PixelFormat = NATIVE_FORMAT;
  encodings: number[] = [];
  #queue: ByteQueue;
  #translator = new PixelTranslator(NATIVE_FORMAT);
  #encoder: Encoder = new RawEncoder();
  #encoders = new Map<number, Encoder>();
  #supportsDesktopSize = false;
  #region: DirtyRegion | null = null;
  #request: Rect | null = null;
  #resizePending = false;
  /** The client listed QEMU Extended Key Event: confirm it with a pseudo-rect in the next update (as QEMU does). */
  #extKeyAckPending = false;
  #handshakeTimer: NodeJS.Timeout | null;
  #closeListeners: (() => void)[] = [];
  #security: SecurityHandler | null = null;
  #securityCtx: SecurityContext | null = null;
  /** For the connection's one log line: security type and auth result. */
  #logSecurity: string[] = [];
  readonly #startedAt = Date.now();
  #versionSeen = false;

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
    return encodingName(this.#encoder.type);
  }

  onClose(cb: () => void): void {
    this.#closeListeners.push(cb);
  }

  #transition(to: SessionState): void {
    if (!LEGAL[this.state].includes(to)) throw new Error(`illegal session transition ${this.state} -> ${to}`);
    this.state = to;
  }

  #send(data: Uint8Array): void {
    this.counters.bytesSent += data.length;
    this.channel.write(data);
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
    try {
      this.#queue.push(chunk);
      this.#pump();
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
          const opts = this.host.options;
          // every header that declares a length fits in 12 bytes
          const need = clientMessageLength(q.peek(Math.min(q.length, 12)), q.length, opts);
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
    if (!shared) this.host.exclusive(this);
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
        this.pixelFormat = m.pixelFormat;
        this.#translator = new PixelTranslator(m.pixelFormat);
        return;
      case 'SetEncodings':
        this.#setEncodings(m.encodings);
        return;
      case 'FramebufferUpdateRequest':
        this.#updateRequest(m.incremental, { x: m.x, y: m.y, w: m.w, h: m.h });
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
        this.host.input.cutText(m.text.toString('latin1'));
        return;
      default:
        // parsed but not negotiated by us (we never advertise these): ignore
        return;
    }
  }

  #setEncodings(list: number[]): void {
    this.encodings = list;
    this.#supportsDesktopSize = list.includes(EncodingType.DesktopSize);
    if (list.includes(EncodingType.QemuExtendedKeyEvent)) this.#extKeyAckPending = true;
    let chosen: Encoder | null = null;
    for (const e of list) {
      const factory = ENCODERS.get(e);
      if (!factory) continue;
      let enc = this.#encoders.get(e);
      if (!enc) {
        enc = factory();
        this.#encoders.set(e, enc);
      }
      chosen = enc;
      break;
    }
    this.#encoder = chosen ?? this.#encoders.get(EncodingType.Raw) ?? new RawEncoder();
  }

  #updateRequest(incremental: boolean, area: Rect): void {
    if (!incremental) this.host.refreshIfStale();
    if (this.state !== 'Normal') return; // a resize during the refresh may have closed us
    const s = this.host.surface;
    const clipped = clipRect(area, s.width, s.height) ?? { x: 0, y: 0, w: s.width, h: s.height };
    if (!incremental) this.#region!.addRect(clipped);
    this.#request = clipped;
    this.maybeSendUpdate();
    if (this.#request) this.host.want();
  }

  /** The display surface was replaced: everything is dirty; tell the client the new size. */
  onResize(surface: Surface): void {
    if (this.state !== 'Normal') return;
    const r = this.#region;
    if (r && r.width === surface.width && r.height === surface.height) return;
    if (!this.#supportsDesktopSize) {
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
    this.#resizePending = true;
    if (this.#request) this.#request = { x: 0, y: 0, w: surface.width, h: surface.height };
    this.maybeSendUpdate();
  }

  /** Changes on the surface: remember them, and send if the client is waiting. */
  onUpdate(region: DirtyRegion): void {
    if (this.state !== 'Normal' || !this.#region) return;
    if (region.width !== this.#region.width || region.height !== this.#region.height) return; // a resize follows
    this.#region.addRegion(region);
    this.maybeSendUpdate();
  }

  wantsUpdate(): boolean {
    return this.state === 'Normal' && this.#request !== null;
  }

  /** Pending chunks (for stats and tests). */
  get pendingChunks(): number {
    return this.#region ? this.#region.countChunks() : 0;
  }

  /** Answer the outstanding request if there is something to send and the socket can take it. */
  maybeSendUpdate(): void {
    if (this.state !== 'Normal' || !this.#request || !this.#region) return;
    if (this.channel.bufferedAmount > this.host.options.maxQueuedBytes) {
      this.#armStallTimer();
      return; // wait for 'drain'
    }
    const s = this.host.surface;
    if (this.#region.width !== s.width || this.#region.height !== s.height) return; // resize not seen yet
    const rects = this.#region.takeRects(this.#request);
    if (rects.length === 0 && !this.#resizePending && !this.#extKeyAckPending) return;
    // sized for Raw (no encoding sends more), so the message is built in one allocation
    let rawBytes = 28; // header, DesktopSize and QEMU key pseudo-rects
    for (const r of rects) rawBytes += 12 + r.w * r.h * this.#translator.bytesPerPixel;
    const w = new ByteWriter(rawBytes);
    const countAt = beginFramebufferUpdate(w);
    let n = 0;
    if (this.#resizePending) {
      rectHeader(w, 0, 0, s.width, s.height, EncodingType.DesktopSize);
      n++;
      this.#resizePending = false;
    }
    if (this.#extKeyAckPending) {
      rectHeader(w, 0, 0, 0, 0, EncodingType.QemuExtendedKeyEvent);
      n++;
      this.#extKeyAckPending = false;
    }
    for (const r of rects) {
      rectHeader(w, r.x, r.y, r.w, r.h, this.#encoder.type);
      this.#encoder.encodeRect(r, s, this.#translator, w);
      n++;
    }
    w.patchU16(countAt, n);
    const bytes = w.view(); // the socket keeps it until sent: no copy
    this.#request = null;
    this.counters.updates++;
    this.counters.rects += n;
    this.host.countUpdate(bytes.length, n);
    this.#send(bytes);
  }

  /** ServerCutText: the guest's clipboard changed (Latin-1 on the wire, RFC 6143 §7.6.4). */
  sendCutText(text: string): void {
    if (this.state !== 'Normal') return;
    const body = Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1');
    this.#send(serverCutText(new ByteWriter(8 + body.length), body).toBuffer());
  }

  /** The one error path: log the reason, close the connection. */
  fail(err: unknown): void {
    if (this.state === 'Closed') return;
    const reason = err instanceof RfbProtocolError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
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
    this.#encoders.clear();
    // the connection's one log line (never a password or key)
    const version = this.#versionSeen ? `RFB 3.${this.minor}` : 'no RFB version';
    const secs = ((Date.now() - this.#startedAt) / 1000).toFixed(1);
    const sec = this.#logSecurity.length > 0 ? this.#logSecurity.join(', ') : 'no security';
    this.host.log(`${this.remoteAddress} ${version}, ${sec}, ${secs} s, ${this.counters.bytesSent} bytes sent, closed: ${reason}`);
    for (const cb of this.#closeListeners) cb();
  }
}

