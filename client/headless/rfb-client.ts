// A headless RFB client: connects to any VNC server, decodes into an RGBA framebuffer, saves PNG.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { rgbaToPng } from '../../src/display/png.js';
import { ByteQueue, ByteReader } from '../../src/rfb/byte-queue.js';
import { ByteWriter } from '../../src/rfb/byte-writer.js';
import { EncodingType } from '../../src/rfb/encodings/encodings.js';
import { readPixelFormat, writePixelFormat, NATIVE_FORMAT, type PixelFormat } from '../../src/rfb/pixel-format.js';
import { ClientFramebuffer } from './framebuffer.js';
import type { Decoder, RectHeader } from './decoders/decoder.js';
import { RawDecoder } from './decoders/raw.js';
import { CopyRectDecoder } from './decoders/copyrect.js';
import { RreDecoder } from './decoders/rre.js';
import { HextileDecoder } from './decoders/hextile.js';
import { ZlibDecoder } from './decoders/zlib.js';
import { ZrleDecoder } from './decoders/zrle.js';
import { TightDecoder } from './decoders/tight.js';
import { CursorDecoder, DesktopNameDecoder, EmptyDecoder, LedStateDecoder } from './decoders/pseudo.js';
import { EXTENDED_CLIPBOARD, EXTENDED_MOUSE_BUTTONS, ExtendedClipboard, QEMU_LED_STATE } from '../../src/rfb/extensions.js';
import { vncAuthResponse } from './vnc-auth.js';

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
  password?: string;
}

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

type State = 'Version' | 'Security' | 'VncAuth' | 'SecurityResult' | 'ServerInit' | 'Normal' | 'Closed';

/** RFC 6143 §7.2 security types this client speaks. */
const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;

export interface UpdateInfo {
  rects: RectHeader[];
  bytes: number;
}

/** Parse vnc://host:port (default port 5900) or host:port. */
export function parseVncUrl(url: string): { host: string; port: number } {
  const m = /^(?:vnc:\/\/)?(?:\[([^\]]+)\]|([^:/]+))(?::(\d+))?\/?$/.exec(url);
  if (!m) throw new Error(`not a VNC address: '${url}' (expected vnc://host:port)`);
  const port = m[3] === undefined ? 5900 : Number(m[3]);
  if (port > 65535) throw new Error(`port ${port} out of range in '${url}'`);
  return { host: m[1] ?? m[2]!, port };
}

export class RfbClient extends EventEmitter {
  width = 0;
  height = 0;
  name = '';
  serverPixelFormat: PixelFormat = NATIVE_FORMAT;
  fb!: ClientFramebuffer;
  serverVersion = '';
  closeReason: string | null = null;
  updates = 0;
  bytesReceived = 0;
  /** Set once the first complete update has been decoded. */
  gotFirstUpdate = false;
  readonly decoders = createDecoders();
  #q = new ByteQueue(512 * 1024 * 1024);
  #state: State = 'Version';
  #minor = 8;
  #socket: net.Socket;
  #fbu: { remaining: number; rects: RectHeader[]; current: RectHeader | null; bytesAtStart: number } | null = null;
  #pf: PixelFormat;
  readonly options: Required<Omit<RfbClientOptions, 'password'>> & { password?: string };

  private constructor(socket: net.Socket, options: RfbClientOptions) {
    super();
    this.options = {
      timeoutMs: 10_000,
      shared: true,
      encodings: DEFAULT_CLIENT_ENCODINGS,
      pixelFormat: NATIVE_FORMAT,
      autoUpdate: true,
      ...options,
    };
    this.#pf = this.options.pixelFormat;
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d) => this.#onData(d));
    socket.on('error', (e) => this.#close(`socket error: ${e.message}`));
    socket.on('close', () => this.#close(this.closeReason ?? 'connection closed by server'));
  }

  /** Connect and finish the handshake; resolves once ServerInit has arrived. */
  static connect(url: string, options: RfbClientOptions = {}): Promise<RfbClient> {
    const { host, port } = parseVncUrl(url);
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const client = new RfbClient(socket, options);
      const timer = setTimeout(() => {
        client.#close(`timed out after ${timeoutMs} ms connecting to ${url}`);
      }, timeoutMs);
      client.once('init', () => {
        clearTimeout(timer);
        resolve(client);
      });
      client.once('close', (reason: string) => {
        clearTimeout(timer);
        reject(new Error(reason));
      });
    });
  }

  get state(): State {
    return this.#state;
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
      this.#close(`protocol error: ${(err as Error).message}`);
    }
  }

  #pump(): void {
    const q = this.#q;
    for (;;) {
      switch (this.#state) {
        case 'Version': {
          if (q.length < 12) return;
          this.serverVersion = q.consume(12).toString('latin1').trim();
          const m = /^RFB 003\.(\d{3})$/.exec(this.serverVersion);
          if (!m) throw new Error(`not an RFB server: ${JSON.stringify(this.serverVersion)}`);
          const minor = Number(m[1]);
          this.#minor = minor >= 8 ? 8 : minor === 7 ? 7 : 3;
          this.#send(Buffer.from(`RFB 003.00${this.#minor}\n`, 'latin1'));
          this.#state = 'Security';
          break;
        }
        case 'Security': {
          if (this.#minor === 3) {
            if (q.length < 4) return;
            const type = q.peek(4).readUInt32BE(0);
            if (type === 0) {
              if (q.length < 8) return;
              const len = q.peek(8).readUInt32BE(4);
              if (q.length < 8 + len) return;
              throw new Error(`server refused: ${q.consume(8 + len).subarray(8).toString('utf8')}`);
            }
            q.skip(4);
            if (type === SECURITY_VNC_AUTH) {
              this.#needPassword();
              this.#state = 'VncAuth';
              break;
            }
            if (type !== SECURITY_NONE) throw new Error(`server requires security type ${type}, which this client does not support`);
            this.#clientInit();
            break;
          }
          if (q.length < 1) return;
          const n = q.peek(1)[0]!;
          if (n === 0) {
            if (q.length < 5) return;
            const len = q.peek(5).readUInt32BE(1);
            if (q.length < 5 + len) return;
            throw new Error(`server refused: ${q.consume(5 + len).subarray(5).toString('utf8')}`);
          }
          if (q.length < 1 + n) return;
          const types = [...q.consume(1 + n).subarray(1)];
          // None when offered; VNC Authentication when offered and needed (or the only choice)
          if (types.includes(SECURITY_NONE) && !(this.options.password !== undefined && types.includes(SECURITY_VNC_AUTH))) {
            this.#send(Buffer.from([SECURITY_NONE]));
            if (this.#minor === 8) this.#state = 'SecurityResult';
            else this.#clientInit();
            break;
          }
          if (!types.includes(SECURITY_VNC_AUTH)) {
            throw new Error(`server offers security types [${types.join(', ')}], none of which this client supports`);
          }
          this.#needPassword();
          this.#send(Buffer.from([SECURITY_VNC_AUTH]));
          this.#state = 'VncAuth';
          break;
        }
        case 'VncAuth': {
          if (q.length < 16) return;
          this.#send(vncAuthResponse(this.options.password!, q.consume(16)));
          this.#state = 'SecurityResult';
          break;
        }
        case 'SecurityResult': {
          if (q.length < 4) return;
          const result = q.peek(4).readUInt32BE(0);
          if (result !== 0) {
            // only 3.8 servers give a reason (RFC 6143 §7.1.3)
            if (this.#minor < 8) throw new Error('authentication failed');
            if (q.length < 8) return;
            const len = q.peek(8).readUInt32BE(4);
            if (q.length < 8 + len) return;
            const reason = q.consume(8 + len).subarray(8).toString('utf8');
            // the server's reason is often just "authentication failed": say it once
            throw new Error(reason === '' || /^authentication failed\.?$/i.test(reason) ? 'authentication failed (wrong password?)' : `authentication failed: ${reason}`);
          }
          q.skip(4);
          this.#clientInit();
          break;
        }
        case 'ServerInit': {
          if (q.length < 24) return;
          const len = q.peek(24).readUInt32BE(20);
          if (q.length < 24 + len) return;
          const r = new ByteReader(q.consume(24 + len));
          this.width = r.u16();
          this.height = r.u16();
          this.serverPixelFormat = readPixelFormat(r);
          this.name = Buffer.from(r.bytes(r.u32())).toString('utf8');
          this.fb = new ClientFramebuffer(this.width, this.height, this.#pf);
          this.#state = 'Normal';
          this.setPixelFormat(this.#pf);
          this.setEncodings(this.options.encodings);
          this.requestUpdate(false);
          this.emit('init');
          break;
        }
        case 'Normal':
          if (!this.#serverMessage()) return;
          break;
        case 'Closed':
          return;
      }
    }
  }

  #needPassword(): void {
    if (this.options.password === undefined) throw new Error('server requires VNC Authentication: give a password');
  }

  #clientInit(): void {
    this.#send(Buffer.from([this.options.shared ? 1 : 0]));
    this.#state = 'ServerInit';
  }

  /** One server message; false when it is not all there yet. */
  #serverMessage(): boolean {
    const q = this.#q;
    if (this.#fbu) return this.#continueUpdate();
    if (q.length < 1) return false;
    const type = q.peek(1)[0]!;
    switch (type) {
      case 0: {
        if (q.length < 4) return false;
        const n = q.consume(4).readUInt16BE(2);
        this.#fbu = { remaining: n, rects: [], current: null, bytesAtStart: this.bytesReceived - q.length - 4 };
        return this.#continueUpdate();
      }
      case 1: {
        if (q.length < 6) return false;
        const n = q.peek(6).readUInt16BE(4);
        if (q.length < 6 + 6 * n) return false;
        const b = q.consume(6 + 6 * n);
        const first = b.readUInt16BE(2);
        for (let i = 0; i < n; i++) {
          const o = 6 + i * 6;
          this.fb.colourMap[first + i] = [b.readUInt16BE(o) >> 8, b.readUInt16BE(o + 2) >> 8, b.readUInt16BE(o + 4) >> 8];
        }
        this.emit('colourmap');
        return true;
      }
      case 2:
        q.skip(1);
        this.emit('bell');
        return true;
      case 3: {
        if (q.length < 8) return false;
        const len = q.peek(8).readUInt32BE(4);
        // a negative length: the Extended Clipboard form, when this client asked for it
        const extended = this.#clipboard !== null && len >= 0x80000000;
        const n = extended ? 0x100000000 - len : len;
        if (q.length < 8 + n) return false;
        const body = q.consume(8 + n).subarray(8);
        if (extended) this.#clipboard!.receive(Buffer.from(body));
        else this.emit('cuttext', body.toString('latin1'));
        return true;
      }
      case 150: // EndOfContinuousUpdates
        q.skip(1);
        this.emit('endcontinuous');
        return true;
      case 248: {
        if (q.length < 9) return false;
        const len = q.peek(9)[8]!;
        if (q.length < 9 + len) return false;
        const b = q.consume(9 + len);
        this.emit('fence', b.readUInt32BE(4), Buffer.from(b.subarray(9)));
        return true;
      }
      default:
        throw new Error(`unknown server message type ${type}`);
    }
  }

  #continueUpdate(): boolean {
    const q = this.#q;
    const u = this.#fbu!;
    while (u.remaining > 0) {
      if (!u.current) {
        if (q.length < 12) return false;
        const r = new ByteReader(q.consume(12));
        u.current = { x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16(), encoding: r.s32() };
      }
      const rect = u.current;
      if (rect.encoding === EncodingType.LastRect) {
        u.remaining = 0;
        u.current = null;
        break;
      }
      if (!this.#decodeRect(rect)) return false;
      u.rects.push(rect);
      u.current = null;
      u.remaining--;
    }
    this.#fbu = null;
    this.updates++;
    this.gotFirstUpdate = true;
    const info: UpdateInfo = { rects: u.rects, bytes: this.bytesReceived - q.length - u.bytesAtStart };
    if (this.options.autoUpdate) this.requestUpdate(true);
    this.emit('update', info);
    return true;
  }

  #decodeRect(rect: RectHeader): boolean {
    switch (rect.encoding) {
      case EncodingType.DesktopSize:
        this.#resize(rect.w, rect.h);
        return true;
      case EncodingType.ExtendedDesktopSize: {
        const q = this.#q;
        if (q.length < 4) return false;
        const n = q.peek(1)[0]!;
        if (q.length < 4 + 16 * n) return false;
        q.skip(4 + 16 * n);
        // x = reason (0 server, 1 this client, 2 another client), y = status (0 = done)
        if (rect.y === 0 && (rect.w !== this.width || rect.h !== this.height)) this.#resize(rect.w, rect.h);
        if (rect.x === 1) this.emit('resizeResult', rect.y, rect.x);
        return true;
      }
      default: {
        const d = this.decoders.get(rect.encoding);
        if (!d) throw new Error(`server sent encoding ${rect.encoding}, which this client did not ask for`);
        if (rect.x + rect.w > this.width || rect.y + rect.h > this.height) {
          throw new Error(`rectangle ${rect.w}x${rect.h}+${rect.x}+${rect.y} is outside the ${this.width}x${this.height} framebuffer`);
        }
        return d.decode(rect, this.#q, this.fb);
      }
    }
  }

  #resize(w: number, h: number): void {
    this.width = w;
    this.height = h;
    this.fb.resize(w, h);
    this.emit('resize', w, h);
  }

  setPixelFormat(pf: PixelFormat): void {
    this.#pf = pf;
    if (this.fb) this.fb.setPixelFormat(pf);
    const w = new ByteWriter(20).u8(0).pad(3);
    this.#send(writePixelFormat(w, pf).toBuffer());
  }

  #clipboard: ExtendedClipboard | null = null;

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
    const w = new ByteWriter(4 + 4 * list.length).u8(2).pad(1).u16(list.length);
    for (const e of list) w.s32(e);
    this.#send(w.toBuffer());
  }

  requestUpdate(incremental: boolean, area = { x: 0, y: 0, w: this.width, h: this.height }): void {
    this.#send(new ByteWriter(10).u8(3).u8(incremental ? 1 : 0).u16(area.x).u16(area.y).u16(area.w).u16(area.h).toBuffer());
  }

  keyEvent(down: boolean, keysym: number): void {
    this.#send(new ByteWriter(8).u8(4).u8(down ? 1 : 0).pad(2).u32(keysym).toBuffer());
  }

  pointerEvent(buttonMask: number, x: number, y: number): void {
    if (buttonMask > 0x7f && this.extendedMouseButtons) {
      // ExtendedPointerEvent: the marker bit, then buttons 7-8 in a 7th byte
      this.#send(new ByteWriter(7).u8(5).u8(0x80 | (buttonMask & 0x7f)).u16(x).u16(y).u8((buttonMask >> 7) & 0x03).toBuffer());
      return;
    }
    this.#send(new ByteWriter(6).u8(5).u8(buttonMask).u16(x).u16(y).toBuffer());
  }

  /** Our clipboard: with the Extended Clipboard, offered to the server (UTF-8); else ClientCutText in Latin-1. */
  cutText(text: string): void {
    if (this.#clipboard?.offer(text)) return;
    const b = Buffer.from(text, 'latin1');
    this.#send(new ByteWriter(8 + b.length).u8(6).pad(3).u32(b.length).bytes(b).toBuffer());
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

  #close(reason: string): void {
    if (this.#state === 'Closed') return;
    this.#state = 'Closed';
    this.closeReason = reason;
    this.#socket.destroy();
    this.emit('close', reason);
  }

  close(): void {
    this.#close('closed by client');
  }

  /** Close after everything queued has been sent (key presses before exit); destroys after graceMs. */
  end(graceMs = 2000): Promise<void> {
    return new Promise((resolve) => {
      if (this.#state === 'Closed') return resolve();
      this.closeReason = 'closed by client';
      const t = setTimeout(() => this.#close('closed by client'), graceMs);
      this.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.#socket.end();
    });
  }
}
