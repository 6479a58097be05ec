// One RFB client: a small state machine (session/state.ts) that hands each state's bytes to its
// part: the handshake (session/handshake.ts), then client messages in, against what the client
// can take (session/capabilities.ts), and framebuffer updates out (session/update-builder.ts),
// paced by what the client reads (session/flow-control.ts).
import type { DirtyRegion } from '../display/dirty-region.js';
import type { Rect, Surface } from '../display/surface.js';
import type { ByteChannel } from './channel.js';
import { ByteQueue } from './wire/byte-queue.js';
import { ByteWriter } from './wire/byte-writer.js';
import { clientMessageLength, parseClientMessage, type ClientMessage } from './wire/client-messages.js';
import { encodingName } from './wire/encodings.js';
import type { Move } from './encodings/move-detect.js';
import { ResizeReason } from './encodings/pseudo.js';
import { EncoderSet } from './encodings/select.js';
import { RfbProtocolError } from './errors.js';
import { NATIVE_FORMAT, validatePixelFormat, type PixelFormat } from './wire/pixel-format.js';
import { endOfContinuousUpdates, fence, FenceFlag, serverCutText, serverInit } from './wire/server-messages.js';
import { anyPending, ClientCapabilities, ClientFormat } from './session/capabilities.js';
import { FlowControl } from './session/flow-control.js';
import { OwedUpdates } from './session/owed.js';
import { DesktopResize } from './session/resize.js';
import { Handshake } from './session/handshake.js';
import type { SessionCounters, SessionHost } from './session/host.js';
import { checkedTransition, type SessionState } from './session/state.js';
import { UpdateBuilder } from './session/update-builder.js';

export { DEFAULT_SESSION_OPTIONS, type SessionCounters, type SessionHost, type SessionOptions } from './session/host.js';
export type { SessionState } from './session/state.js';

export class RfbSession {
  state: SessionState = 'ProtocolVersion';
  readonly counters: SessionCounters = { updates: 0, rects: 0, bytesSent: 0, bytesReceived: 0 };
  closeReason: string | null = null;
  /** The coded protocol error the session ended with (null: an orderly close). */
  closeError: RfbProtocolError | null = null;
  readonly encoders: EncoderSet;
  /** performance.now() of the last bytes received (or of the connection): quiet handshakes make way first. */
  lastActivity = performance.now();
  /** The client asked for exclusive access (ClientInit shared-flag 0). */
  exclusive = false;
  #queue: ByteQueue;
  readonly #flow: FlowControl;
  readonly #handshake: Handshake;
  readonly #caps = new ClientCapabilities();
  readonly #format: ClientFormat;
  readonly #builder: UpdateBuilder;
  readonly #owed = new OwedUpdates();
  readonly #resize: DesktopResize;
  #closeListeners: (() => void)[] = [];
  readonly #startedAt = Date.now();

  constructor(readonly channel: ByteChannel, readonly host: SessionHost) {
    this.#queue = new ByteQueue(host.options.maxReceiveBuffer);
    this.encoders = new EncoderSet(host.deflate ?? null);
    this.#flow = new FlowControl(channel, host.options, this.counters, (err) => this.fail(err));
    this.#format = new ClientFormat(() => host.colourMap);
    this.#resize = new DesktopResize(host, channel.remoteAddress);
    this.#builder = new UpdateBuilder(host, (data, written) => {
      this.#send(data, written);
      return this.state !== 'Closed'; // #send may have failed it
    });
    this.#handshake = new Handshake(
      {
        channel,
        state: () => this.state,
        transition: (to) => this.#transition(to),
        policy: () => host.options.security,
        send: (data) => this.#send(data),
        fail: (err) => this.fail(err),
        resume: () => this.#read(),
      },
      host.options.handshakeTimeoutMs,
    );
    channel.onData((chunk) => this.#onData(chunk));
    channel.onClose(() => this.#closed('connection closed by client'));
    channel.onDrain(() => {
      this.#flow.drained();
      this.maybeSendUpdate();
    });
  }

  get remoteAddress(): string {
    return this.channel.remoteAddress;
  }

  /** The RFB version spoken: 3.3, 3.7 or 3.8. */
  get minor(): 3 | 7 | 8 {
    return this.#handshake.minor;
  }

  get pixelFormat(): PixelFormat {
    return this.#format.pixelFormat;
  }

  /** The list of the client's last SetEncodings. */
  get encodings(): number[] {
    return this.#caps.encodings;
  }

  get encodingName(): string {
    return encodingName(this.encoders.primary(this.#format.translator).type);
  }

  /** Whether this client's SetDesktopSize is what the guest's mode is switching to. */
  get resizeRequested(): boolean {
    return this.#resize.requested;
  }

  /** Whether the client takes CopyRect (the server then looks for moves). */
  get supportsCopyRect(): boolean {
    return this.#caps.support.copyRect;
  }

  onClose(cb: () => void): void {
    this.#closeListeners.push(cb);
  }

  #transition(to: SessionState): void {
    this.state = checkedTransition(this.state, to);
  }

  #send(data: Uint8Array, written?: () => void): void {
    this.#flow.send(data, written);
  }

  #onData(chunk: Buffer): void {
    if (this.state === 'Closed') return;
    this.counters.bytesReceived += chunk.length;
    this.lastActivity = performance.now();
    try {
      this.#queue.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.#read();
  }

  /** Handle what is queued, then answer the batch's update requests. */
  #read(): void {
    try {
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
        case 'ProtocolVersion':
          if (q.length < 12) return;
          this.#handshake.version(q.consume(12));
          break;
        case 'Security':
          if (q.length < 1) return;
          this.#handshake.choose(q.consume(1)[0]!);
          break;
        case 'Authentication':
          if (!this.#handshake.step(q)) return;
          break;
        case 'ClientInit':
          if (q.length < 1) return;
          this.#clientInit(q.consume(1)[0]! !== 0);
          break;
        case 'Normal': {
          if (q.length < 1) return;
          if (q.byteAt(0) === 3) {
            // FramebufferUpdateRequest, the message a client may send by the thousand: read in place
            if (q.length < 10) return;
            this.#updateRequest(q.byteAt(1) !== 0, q.u16At(2), q.u16At(4), q.u16At(6), q.u16At(8));
            q.skip(10);
            break;
          }
          // every header that declares a length fits in 12 bytes
          const need = clientMessageLength(q.peek(Math.min(q.length, 12)), q.length, this.host.options, this.#caps.ext);
          if (q.length < need) return;
          this.#handle(parseClientMessage(q.consume(need)));
          break;
        }
        case 'Closed':
          return;
      }
    }
  }

  #clientInit(shared: boolean): void {
    this.#handshake.finished();
    this.exclusive = !shared;
    const refused = this.host.admit(this, shared);
    if (refused !== null) {
      this.close(refused);
      return;
    }
    const s = this.host.surface;
    this.#owed.start(s.width, s.height);
    const w = new ByteWriter(64);
    serverInit(w, s.width, s.height, NATIVE_FORMAT, this.host.desktopName);
    this.#send(w.toBuffer());
    this.#transition('Normal');
    if (!shared) this.#handshake.note('exclusive');
  }

  #handle(m: ClientMessage): void {
    const input = this.host.input;
    switch (m.type) {
      case 'SetPixelFormat':
        validatePixelFormat(m.pixelFormat);
        this.#format.set(m.pixelFormat, (b) => this.#send(b));
        return;
      case 'SetEncodings':
        this.#caps.setEncodings(m.encodings, this.encoders, {
          send: (b) => this.#send(b),
          cutText: (text) => input.cutText(text),
          maxCutText: this.host.options.maxCutText,
          cursor: this.host.cursor,
          leds: this.host.leds,
        });
        if (!this.#caps.support.copyRect && this.#owed.hasMoves) this.#owed.movesToRegion();
        return;
      case 'FramebufferUpdateRequest':
        this.#updateRequest(m.incremental, m.x, m.y, m.w, m.h);
        return;
      case 'KeyEvent':
        input.keyEvent(m.down, m.keysym);
        return;
      case 'QemuExtendedKeyEvent':
        input.keyEvent(m.down, m.keysym, m.keycode);
        return;
      case 'PointerEvent': {
        const s = this.host.surface;
        input.pointerEvent(m.buttonMask, Math.min(m.x, s.width - 1), Math.min(m.y, s.height - 1));
        return;
      }
      case 'ClientCutText':
        if (m.extended) this.#caps.clipboard?.receive(m.text);
        else input.cutText(m.text.toString('latin1'));
        return;
      case 'EnableContinuousUpdates':
        this.#enableContinuousUpdates(m.enable, { x: m.x, y: m.y, w: m.w, h: m.h });
        return;
      case 'Fence':
        // we handle messages in order and write updates in order: every block/sync is already met
        if (m.flags & FenceFlag.Request) this.#send(fence(m.flags & (FenceFlag.BlockBefore | FenceFlag.BlockAfter | FenceFlag.SyncNext), m.payload));
        return;
      case 'SetDesktopSize':
        this.#setDesktopSize(m.width, m.height, m.screens.length);
        return;
    }
  }

  #enableContinuousUpdates(enable: boolean, area: Rect): void {
    if (!this.#caps.support.continuousUpdates) return; // not negotiated: ignore, as TigerVNC does
    this.#owed.setContinuous(enable ? area : null, this.host.surface);
    if (enable) {
      this.maybeSendUpdate();
      this.host.want();
      return;
    }
    this.#send(endOfContinuousUpdates());
  }

  #setDesktopSize(width: number, height: number, screens: number): void {
    const status = this.#resize.request(width, height, screens, this.#caps.support.extendedDesktopSize);
    if (status === null) return;
    this.#caps.pending.size = { reason: ResizeReason.ThisClient, status };
    this.maybeSendUpdate();
  }

  #updateRequest(incremental: boolean, x: number, y: number, w: number, h: number): void {
    this.#owed.ask(incremental, x, y, w, h, this.host.surface);
  }

  /** After a batch of messages: the requests in it, acted on once (a refresh, the marking, one update). */
  #answerRequests(): void {
    const a = this.#owed.asked;
    if (!a.any || this.state !== 'Normal') return;
    if (a.full) this.host.refreshIfStale();
    if (this.state !== 'Normal') return; // a resize during the refresh may have closed us
    this.#owed.takeRequests(this.host.surface);
    this.maybeSendUpdate();
    if (this.#owed.requested) this.host.want();
  }

  /** The display surface was replaced: everything is dirty; tell the client the new size. */
  onResize(surface: Surface, byOtherClient = false): void {
    if (this.state !== 'Normal') return;
    const owed = this.#owed;
    if (owed.sized(surface.width, surface.height)) {
      owed.movesToRegion(); // a new surface of the same size: copies still owed go as pixels
      const answer = this.#resize.sameSize();
      if (answer) {
        this.#caps.pending.size = answer;
        this.maybeSendUpdate();
      }
      return;
    }
    const sup = this.#caps.support;
    if (!sup.desktopSize && !sup.extendedDesktopSize) {
      this.fail(
        new RfbProtocolError(
          'RFB_ERR_RESIZE_UNSUPPORTED',
          `the guest changed its screen to ${surface.width}x${surface.height} and this client does not support the DesktopSize pseudo-encoding`,
        ),
      );
      return;
    }
    owed.resized(surface);
    this.#caps.pending.size = this.#resize.resized(byOtherClient);
    this.maybeSendUpdate();
  }

  /** Changes on the surface: remember them, and send if the client is waiting. */
  onUpdate(region: DirtyRegion, move: Move | null = null): void {
    if (this.state !== 'Normal') return;
    if (this.#owed.add(region, move, this.#caps.support.copyRect)) this.maybeSendUpdate();
  }

  wantsUpdate(): boolean {
    return this.state === 'Normal' && this.#owed.waiting;
  }

  /** Pending chunks (for stats and tests). */
  get pendingChunks(): number {
    return this.#owed.chunks;
  }

  /** Answer the outstanding request (or the continuous-updates area) if there is something to send. */
  maybeSendUpdate(): void {
    const owed = this.#owed;
    if (this.state !== 'Normal' || !owed.started) return;
    const area = owed.area;
    if (!area || !this.#flow.mayBuild()) return; // else wait for 'drain'
    const s = this.host.surface;
    if (!owed.sized(s.width, s.height)) return; // resize not seen yet
    if (this.#format.sendColourMapIfNeeded((b) => this.#send(b))) owed.addAll(s);
    const { rects, moves } = owed.take(area);
    if (rects.length === 0 && moves.length === 0 && !anyPending(this.#caps.pending)) return;
    owed.movesTaken();
    const u = this.#builder.build(rects, moves, this.#caps, this.#format.translator, this.encoders, this.#format.cacheKey);
    if (!u) return; // closed while it streamed
    owed.answered();
    this.counters.updates++;
    this.counters.rects += u.rects;
    this.host.countUpdate(u.sent + u.bytes.length, u.rects);
    this.#send(u.bytes, u.written);
  }

  /** The guest keyboard's LEDs changed: QEMU LED state clients get them with the next update. */
  onLeds(leds: number): void {
    if (!this.#caps.support.ledState) return;
    this.#caps.pending.leds = leds;
    this.maybeSendUpdate();
  }

  /**
   * The guest's clipboard changed: Extended Clipboard clients are notified (and ask for it, in
   * UTF-8), others get ServerCutText (Latin-1 on the wire, RFC 6143 §7.6.4).
   */
  sendCutText(text: string): void {
    if (this.state !== 'Normal') return;
    if (this.#caps.clipboard?.offer(text)) return;
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
    this.#flow.dispose();
    this.#handshake.dispose();
    if (this.#queue.length > 0 && reason === 'connection closed by client') {
      reason = `RFB_ERR_TRUNCATED: connection closed by client in the middle of a message (${this.#queue.length} bytes discarded)`;
      this.closeReason = reason;
    }
    this.#queue.clear();
    this.#owed.clear();
    // let go of per-session encoder state now: the channel may outlive us by a few seconds while it closes
    this.encoders.reset(); // closes the zlib streams
    this.#builder.reset();
    // the connection's one log line (never a password or key)
    const secs = ((Date.now() - this.#startedAt) / 1000).toFixed(1);
    this.host.log(`${this.remoteAddress} ${this.#handshake.describe()}, ${secs} s, ${this.counters.bytesSent} bytes sent, closed: ${reason}`);
    for (const cb of this.#closeListeners) cb();
  }
}
