// A headless RFB client: connects to any VNC server, decodes into an RGBA framebuffer, saves PNG.
// The handshake is handshake.ts, FramebufferUpdates updates.ts, the messages src/rfb/wire/.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { rgbaToPng } from '../../src/display/png.js';
import { ByteQueue } from '../../src/rfb/wire/byte-queue.js';
import { clientMessages } from '../../src/rfb/wire/client-messages.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import { EXTENDED_CLIPBOARD, EXTENDED_MOUSE_BUTTONS, ExtendedClipboard, QEMU_LED_STATE } from '../../src/rfb/wire/extensions.js';
import { NATIVE_FORMAT, type PixelFormat } from '../../src/rfb/wire/pixel-format.js';
import { parseServerMessage, serverMessageLength, type ServerInit } from '../../src/rfb/wire/server-messages.js';
import type { EmptyDecoder, LedStateDecoder } from './decoders/pseudo.js';
import { RfbClientError } from './errors.js';
import { ClientFramebuffer } from './framebuffer.js';
import { ClientHandshake, type HandshakeState } from './handshake.js';
import { createDecoders, UpdateReader, type UpdateInfo } from './updates.js';

export { createDecoders, type UpdateInfo } from './updates.js';
export { RfbClientError, type RfbClientErrorCode } from './errors.js';

export interface RfbClientOptions {
  /** Give up connecting (and waiting in waitFor* helpers) after this long. */
  timeoutMs?: number;
  /** ClientInit shared-flag (default true). */
  shared?: boolean;
  /** SetEncodings list, in preference order (default: everything we decode). */
  encodings?: number[];
  /** The pixel format to ask for (default 32 bpp little-endian 0x00RRGGBB). */
  pixelFormat?: PixelFormat;
  /** Keep one incremental request outstanding, like a viewer (default true). */
  autoUpdate?: boolean;
  /**
   * With autoUpdate: once the server announces ContinuousUpdates (its EndOfContinuousUpdates, after
   * a SetEncodings that lists them), enable them over the whole screen and stop asking after each
   * update, as TigerVNC does (default false).
   */
  continuousUpdates?: boolean;
  password?: string;
}

/** Every encoding and pseudo-encoding the headless client decodes, best first. */
export const ALL_CLIENT_ENCODINGS = [
  EncodingType.Tight,
  EncodingType.ZRLE,
  EncodingType.Hextile,
  EncodingType.Zlib,
  EncodingType.RRE,
  EncodingType.CopyRect,
  EncodingType.Raw,
  EncodingType.DesktopSize,
  EncodingType.ExtendedDesktopSize,
  EncodingType.LastRect,
  EncodingType.DesktopName,
  EncodingType.Cursor,
  EncodingType.Fence,
  EncodingType.ContinuousUpdates,
  EncodingType.QemuExtendedKeyEvent,
];

export const DEFAULT_CLIENT_ENCODINGS = [EncodingType.Raw, EncodingType.DesktopSize, EncodingType.LastRect];

export type RfbClientState = HandshakeState | 'Normal' | 'Closed';

/** The client's events, with their arguments. */
export interface RfbClientEvents {
  /** ServerInit arrived (connect() resolves). */
  init: [];
  /** A whole FramebufferUpdate was decoded. */
  update: [info: UpdateInfo];
  /** The framebuffer changed size. */
  resize: [width: number, height: number];
  /** The answer to our SetDesktopSize: an ExtendedDesktopSize status (0 = done) and reason. */
  resizeResult: [status: number, reason: number];
  colourmap: [];
  bell: [];
  /** The server's clipboard (Latin-1 ServerCutText, or UTF-8 with the Extended Clipboard). */
  cuttext: [text: string];
  endcontinuous: [];
  fence: [flags: number, payload: Buffer];
  /** The connection ended: why, and the coded error (null: this client closed it). */
  close: [reason: string, error: RfbClientError | null];
}

/** Parse vnc://host:port (default port 5900) or host:port. */
export function parseVncUrl(url: string): { host: string; port: number } {
  const m = /^(?:vnc:\/\/)?(?:\[([^\]]+)\]|([^:/]+))(?::(\d+))?\/?$/.exec(url);
  if (!m) throw new Error(`not a VNC address: '${url}' (expected vnc://host:port)`);
  const port = m[3] === undefined ? 5900 : Number(m[3]);
  if (port > 65535) throw new Error(`port ${port} out of range in '${url}'`);
  return { host: m[1] ?? m[2]!, port };
}

const CLOSED_BY_CLIENT = 'closed by client';

export class RfbClient extends EventEmitter<RfbClientEvents> {
  width = 0;
  height = 0;
  name = '';
  serverPixelFormat: PixelFormat = NATIVE_FORMAT;
  fb!: ClientFramebuffer;
  closeReason: string | null = null;
  /** The coded error the connection ended with (null while open, or when this client closed it). */
  closeError: RfbClientError | null = null;
  updates = 0;
  bytesReceived = 0;
  /** Set once the first complete update has been decoded. */
  gotFirstUpdate = false;
  /** Continuous updates are on (the continuousUpdates option, and the server has them). */
  continuous = false;
  readonly decoders = createDecoders();
  readonly options: Required<Omit<RfbClientOptions, 'password'>> & { password?: string };
  #q = new ByteQueue(512 * 1024 * 1024);
  #state: 'Handshake' | 'Normal' | 'Closed' = 'Handshake';
  #socket: net.Socket;
  readonly #handshake: ClientHandshake;
  readonly #updates: UpdateReader;
  #pf: PixelFormat;
  #clipboard: ExtendedClipboard | null = null;

  private constructor(socket: net.Socket, options: RfbClientOptions) {
    super();
    this.options = {
      timeoutMs: 10_000,
      shared: true,
      encodings: DEFAULT_CLIENT_ENCODINGS,
      pixelFormat: NATIVE_FORMAT,
      autoUpdate: true,
      continuousUpdates: false,
      ...options,
    };
    this.#pf = this.options.pixelFormat;
    this.#handshake = new ClientHandshake(this.options, (b) => this.#send(b));
    const client = this;
    this.#updates = new UpdateReader({
      get width() {
        return client.width;
      },
      get height() {
        return client.height;
      },
      get fb() {
        return client.fb;
      },
      decoders: this.decoders,
      resize: (w, h) => this.#resize(w, h),
      resizeResult: (status, reason) => this.emit('resizeResult', status, reason),
    });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d) => this.#onData(d));
    socket.on('error', (e) => this.#fail(new RfbClientError('RFB_CLIENT_ERR_SOCKET', `socket error: ${e.message}`)));
    socket.on('close', () => {
      if (this.closeReason === CLOSED_BY_CLIENT) this.#close(CLOSED_BY_CLIENT, null); // end() finished
      else this.#fail(new RfbClientError('RFB_CLIENT_ERR_CLOSED_BY_SERVER', 'connection closed by server'));
    });
  }

  /** Connect and finish the handshake; resolves once ServerInit has arrived, else rejects with an RfbClientError. */
  static connect(url: string, options: RfbClientOptions = {}): Promise<RfbClient> {
    const { host, port } = parseVncUrl(url);
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const client = new RfbClient(socket, options);
      const timer = setTimeout(() => {
        client.#fail(new RfbClientError('RFB_CLIENT_ERR_TIMEOUT', `timed out after ${timeoutMs} ms connecting to ${url}`));
      }, timeoutMs);
      client.once('init', () => {
        clearTimeout(timer);
        resolve(client);
      });
      client.once('close', (reason, error) => {
        clearTimeout(timer);
        reject(error ?? new Error(reason));
      });
    });
  }

  get state(): RfbClientState {
    return this.#state === 'Handshake' ? this.#handshake.state : this.#state;
  }

  /** The server's ProtocolVersion, as it sent it ("RFB 003.008"). */
  get serverVersion(): string {
    return this.#handshake.serverVersion;
  }

  #send(b: Uint8Array): void {
    if (!this.#socket.destroyed) this.#socket.write(b);
  }

  #onData(d: Buffer): void {
    this.bytesReceived += d.length;
    try {
      this.#q.push(d);
      this.#pump();
    } catch (err) {
      // what the server said or sent, under its code (a bad message, a decoder's complaint: PROTOCOL)
      const code = err instanceof RfbClientError ? err.code : 'RFB_CLIENT_ERR_PROTOCOL';
      this.#fail(new RfbClientError(code, `protocol error: ${(err as Error).message}`));
    }
  }

  #pump(): void {
    for (;;) {
      if (this.#state === 'Closed') return;
      if (this.#state === 'Normal') {
        if (!this.#serverMessage()) return;
        continue;
      }
      const r = this.#handshake.step(this.#q);
      if (r === false) return;
      if (r !== true) this.#init(r);
    }
  }

  #init(init: ServerInit): void {
    this.width = init.width;
    this.height = init.height;
    this.serverPixelFormat = init.pixelFormat;
    this.name = init.name;
    this.fb = new ClientFramebuffer(this.width, this.height, this.#pf);
    this.#state = 'Normal';
    this.setPixelFormat(this.#pf);
    this.setEncodings(this.options.encodings);
    this.requestUpdate(false);
    this.emit('init');
  }

  /** One server message; false when it is not all there yet. */
  #serverMessage(): boolean {
    const q = this.#q;
    if (!this.#updates.active) {
      if (q.length < 1) return false;
      const need = serverMessageLength(q.peek(Math.min(q.length, 9)), q.length, this.#clipboard !== null);
      if (q.length < need) return false;
      const m = parseServerMessage(q.consume(need));
      switch (m.type) {
        case 'FramebufferUpdate':
          this.#updates.begin(m.rects, this.bytesReceived - q.length - need);
          break; // its rectangles follow
        case 'SetColourMapEntries':
          m.colours.forEach(([r, g, b], i) => (this.fb.colourMap[m.first + i] = [r >> 8, g >> 8, b >> 8]));
          this.emit('colourmap');
          return true;
        case 'Bell':
          this.emit('bell');
          return true;
        case 'ServerCutText':
          // a negative length: the Extended Clipboard form, when this client asked for it
          if (m.extended && this.#clipboard) this.#clipboard.receive(m.text);
          else this.emit('cuttext', m.text.toString('latin1'));
          return true;
        case 'EndOfContinuousUpdates':
          if (this.options.autoUpdate && this.options.continuousUpdates && !this.continuous) {
            this.continuous = true;
            this.#send(clientMessages.enableContinuousUpdates(true, 0, 0, this.width, this.height));
          }
          this.emit('endcontinuous');
          return true;
        case 'Fence':
          this.emit('fence', m.flags, m.payload);
          return true;
      }
    }
    const info = this.#updates.continue(q, this.bytesReceived);
    if (!info) return false;
    this.updates++;
    this.gotFirstUpdate = true;
    if (this.options.autoUpdate && !this.continuous) this.requestUpdate(true);
    this.emit('update', info);
    return true;
  }

  #resize(w: number, h: number): void {
    this.width = w;
    this.height = h;
    this.fb.resize(w, h);
    if (this.continuous) this.#send(clientMessages.enableContinuousUpdates(true, 0, 0, w, h));
    this.emit('resize', w, h);
  }

  setPixelFormat(pf: PixelFormat): void {
    this.#pf = pf;
    if (this.fb) this.fb.setPixelFormat(pf);
    this.#send(clientMessages.setPixelFormat(pf));
  }

  /** The guest keyboard's LEDs from QEMU LED state (bit 0 Scroll, 1 Num, 2 Caps Lock), if the server sent them. */
  get leds(): number | null {
    return (this.decoders.get(QEMU_LED_STATE) as LedStateDecoder).leds;
  }

  /** The server announced ExtendedMouseButtons: pointerEvent may carry back (bit 7) and forward (bit 8). */
  get extendedMouseButtons(): boolean {
    return (this.decoders.get(EXTENDED_MOUSE_BUTTONS) as EmptyDecoder).seen > 0;
  }

  setEncodings(list: number[]): void {
    if (list.includes(EXTENDED_CLIPBOARD) && !this.#clipboard) {
      // text in UTF-8 both ways; 'cuttext' carries what the server provides
      this.#clipboard = new ExtendedClipboard('client', 16 * 1024 * 1024, (b) => this.#send(b), (text) => this.emit('cuttext', text));
    }
    this.#send(clientMessages.setEncodings(list));
  }

  requestUpdate(incremental: boolean, area = { x: 0, y: 0, w: this.width, h: this.height }): void {
    this.#send(clientMessages.framebufferUpdateRequest(incremental, area.x, area.y, area.w, area.h));
  }

  keyEvent(down: boolean, keysym: number): void {
    this.#send(clientMessages.keyEvent(down, keysym));
  }

  pointerEvent(buttonMask: number, x: number, y: number): void {
    this.#send(clientMessages.pointerEvent(buttonMask, x, y, this.extendedMouseButtons));
  }

  /** Our clipboard: with the Extended Clipboard, offered to the server (UTF-8); else ClientCutText in Latin-1. */
  cutText(text: string): void {
    if (this.#clipboard?.offer(text)) return;
    this.#send(clientMessages.clientCutText(Buffer.from(text, 'latin1')));
  }

  /** Send raw bytes (tests of hostile input). */
  sendRaw(b: Uint8Array): void {
    this.#send(b);
  }

  /** Resolve on the next decoded update (or reject on close / timeout). */
  nextUpdate(timeoutMs = this.options.timeoutMs): Promise<UpdateInfo> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(t);
        this.off('update', onUpdate);
        this.off('close', onClose);
      };
      const onUpdate = (u: UpdateInfo) => {
        cleanup();
        resolve(u);
      };
      const onClose = (reason: string) => {
        cleanup();
        reject(new Error(`connection closed: ${reason}`));
      };
      const t = setTimeout(() => {
        cleanup();
        reject(new Error(`no update within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('update', onUpdate);
      this.on('close', onClose);
    });
  }

  /** Resolve once the first complete framebuffer has arrived. */
  async waitFirstFrame(timeoutMs = this.options.timeoutMs): Promise<void> {
    if (this.gotFirstUpdate) return;
    await this.nextUpdate(timeoutMs);
  }

  /** Wait until pred() holds, checking after each update. */
  async waitUntil(pred: () => boolean, timeoutMs = this.options.timeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`condition not met within ${timeoutMs} ms`);
      await this.nextUpdate(left).catch((e: Error) => {
        if (!pred()) throw e;
      });
    }
  }

  toPng(): Buffer {
    return rgbaToPng({ width: this.width, height: this.height, data: this.fb.rgba });
  }

  /** The one error path: close with the coded error, its message the reason. */
  #fail(err: RfbClientError): void {
    this.#close(err.message, err);
  }

  #close(reason: string, error: RfbClientError | null): void {
    if (this.#state === 'Closed') return;
    this.#state = 'Closed';
    this.closeReason = reason;
    this.closeError = error;
    this.#socket.destroy();
    this.emit('close', reason, error);
  }

  close(): void {
    this.#close(CLOSED_BY_CLIENT, null);
  }

  /** Close after everything queued has been sent (key presses before exit); destroys after graceMs. */
  end(graceMs = 2000): Promise<void> {
    return new Promise((resolve) => {
      if (this.#state === 'Closed') return resolve();
      this.closeReason = CLOSED_BY_CLIENT;
      const t = setTimeout(() => this.close(), graceMs);
      this.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.#socket.end();
    });
  }
}
