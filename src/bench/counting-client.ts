// A viewer-like RFB client for load benchmarks: it negotiates, keeps one incremental request
// outstanding and counts updates and bytes, skipping pixel data instead of decoding it, so that
// one process can stand in for many viewers. Handles encodings whose bodies have a known length
// (Raw, Zlib, ZRLE, Tight: its length is found from the control bytes); use the headless client for anything that must be decoded.
import net from 'node:net';
import { ByteQueue } from '../rfb/wire/byte-queue.js';
import { clientMessages } from '../rfb/wire/client-messages.js';
import { EncodingType, TIGHT_MIN_TO_COMPRESS, TightControl, TightFilter } from '../rfb/wire/encodings.js';
import { protocolVersion, SecurityType } from '../rfb/wire/handshake.js';
import { NATIVE_FORMAT } from '../rfb/wire/pixel-format.js';
import { parseRectHeader, parseServerInit, serverInitLength, ServerMessageType } from '../rfb/wire/server-messages.js';
import { parseVncUrl } from '../../client/headless/rfb-client.js';
import { NeedMore, PeekReader } from '../../client/headless/decoders/reader.js';

export const SKIPPABLE_ENCODINGS: readonly number[] = [EncodingType.Raw, EncodingType.Zlib, EncodingType.ZRLE, EncodingType.Tight];

export class CountingClient {
  updates = 0;
  bytes = 0;
  closed: string | null = null;
  #q = new ByteQueue(1 << 30);
  #socket: net.Socket;
  #stage: 'version' | 'security' | 'result' | 'init' | 'normal' = 'version';
  #width = 0;
  #height = 0;
  #rectsLeft = -1; // -1: between updates
  #rect: { w: number; h: number; enc: number } | null = null;
  #paused = false;

  private constructor(socket: net.Socket, readonly encoding: number) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      this.bytes += d.length;
      this.#q.push(d);
      try {
        this.#pump();
      } catch (err) {
        this.closed = (err as Error).message;
        socket.destroy();
      }
    });
    socket.on('close', () => (this.closed ??= 'closed'));
    socket.on('error', () => {});
  }

  static connect(url: string, encoding: number): Promise<CountingClient> {
    const { host, port } = parseVncUrl(url);
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const c = new CountingClient(s, encoding);
      const poll = setInterval(() => {
        if (c.#stage === 'normal') {
          clearInterval(poll);
          resolve(c);
        } else if (c.closed) {
          clearInterval(poll);
          reject(new Error(c.closed));
        }
      }, 5);
    });
  }

  #flood: NodeJS.Timeout | null = null;

  /**
   * Stop reading from the socket (a viewer that hangs). With keepRequesting, go on sending an
   * incremental request every 10 ms without reading anything (QEMU's CVE-2017-15124 scenario).
   */
  pause(keepRequesting = false): void {
    this.#paused = true;
    this.#socket.pause();
    if (keepRequesting) this.#flood = setInterval(() => this.#request(true), 10);
  }

  resume(): void {
    this.#paused = false;
    if (this.#flood) clearInterval(this.#flood);
    this.#flood = null;
    this.#socket.resume();
    this.#request(true);
  }

  close(): void {
    if (this.#flood) clearInterval(this.#flood);
    this.#socket.destroy();
  }

  #pump(): void {
    const q = this.#q;
    for (;;) {
      switch (this.#stage) {
        case 'version':
          if (q.length < 12) return;
          q.skip(12);
          this.#socket.write(protocolVersion(8));
          this.#stage = 'security';
          break;
        case 'security': {
          if (q.length < 1) return;
          const n = q.peek(1)[0]!;
          if (q.length < 1 + n) return;
          q.skip(1 + n);
          this.#socket.write(Buffer.from([SecurityType.None]));
          this.#stage = 'result';
          break;
        }
        case 'result':
          if (q.length < 4) return;
          if (q.consume(4).readUInt32BE(0) !== 0) throw new Error('security failed');
          this.#socket.write(Buffer.from([1])); // shared
          this.#stage = 'init';
          break;
        case 'init': {
          const need = serverInitLength(q.peek(Math.min(q.length, 24)), q.length);
          if (q.length < need) return;
          const init = parseServerInit(q.consume(need));
          this.#width = init.width;
          this.#height = init.height;
          this.#socket.write(
            Buffer.concat([clientMessages.setPixelFormat(NATIVE_FORMAT), clientMessages.setEncodings([this.encoding, EncodingType.DesktopSize, EncodingType.LastRect])]),
          );
          this.#request(false);
          this.#stage = 'normal';
          break;
        }
        case 'normal':
          if (!this.#message()) return;
          break;
      }
    }
  }

  #request(incremental: boolean): void {
    this.#socket.write(clientMessages.framebufferUpdateRequest(incremental, 0, 0, this.#width, this.#height));
  }

  #message(): boolean {
    const q = this.#q;
    if (this.#rectsLeft < 0) {
      if (q.length < 4) return false;
      const h = q.peek(4);
      if (h[0] !== ServerMessageType.FramebufferUpdate) throw new Error(`counting client: unexpected message type ${h[0]}`);
      this.#rectsLeft = h.readUInt16BE(2);
      q.skip(4);
    }
    while (this.#rectsLeft > 0) {
      if (!this.#rect) {
        if (q.length < 12) return false;
        const r = parseRectHeader(q.consume(12));
        this.#rect = { w: r.w, h: r.h, enc: r.encoding };
      }
      const r = this.#rect;
      if (r.enc === EncodingType.LastRect) {
        this.#rect = null;
        break; // the update's rectangles were not counted in its header
      } else if (r.enc === EncodingType.DesktopSize) {
        this.#width = r.w;
        this.#height = r.h;
      } else if (r.enc === EncodingType.Raw) {
        if (q.length < r.w * r.h * 4) return false;
        q.skip(r.w * r.h * 4);
      } else if (r.enc === EncodingType.Zlib || r.enc === EncodingType.ZRLE) {
        if (q.length < 4) return false;
        const len = q.peek(4).readUInt32BE(0);
        if (q.length < 4 + len) return false;
        q.skip(4 + len);
      } else if (r.enc === EncodingType.Tight) {
        const len = tightLength(q.peek(Math.min(q.length, 4 + 256 * 3 + 3)), r.w, r.h);
        if (len === null || q.length < len) return false;
        q.skip(len);
      } else throw new Error(`counting client cannot skip encoding ${r.enc}`);
      this.#rect = null;
      this.#rectsLeft--;
    }
    this.#rectsLeft = -1;
    this.updates++;
    if (!this.#paused) this.#request(true);
    return true;
  }
}

/**
 * The length of a Tight rectangle's body for 888 TPIXELs (3 bytes), from its first bytes; null
 * while they are not all there. rfbproto "Tight Encoding": control byte, then a fill TPIXEL, a
 * JPEG, or basic compression (optional filter with its palette, then data: under 12 bytes as is,
 * else a compact length and zlib output). Read with the headless client's PeekReader.
 */
export function tightLength(b: Uint8Array, w: number, h: number): number | null {
  const rd = new PeekReader(b);
  try {
    const ctl = rd.u8();
    const kind = ctl & 0xf0;
    if (kind === TightControl.Fill) return 4; // fill
    if (kind & 0x80 && kind !== TightControl.Jpeg) throw new Error(`counting client: bad Tight control byte 0x${ctl.toString(16)}`);
    let raw = kind === TightControl.Jpeg ? Infinity : w * h * 3; // a JPEG always has a compact length
    if (!(kind & 0x80) && ctl & TightControl.ExplicitFilter) {
      const filter = rd.u8();
      if (filter === TightFilter.Palette) {
        const colours = rd.u8() + 1;
        rd.off += colours * 3;
        raw = colours === 2 ? ((w + 7) >> 3) * h : w * h;
      } else if (filter !== TightFilter.Copy && filter !== TightFilter.Gradient) throw new Error(`counting client: bad Tight filter ${filter}`);
    }
    if (raw < TIGHT_MIN_TO_COMPRESS) return rd.off + raw;
    const len = rd.compactLength(); // advances rd.off past itself
    return rd.off + len;
  } catch (err) {
    if (err instanceof NeedMore) return null;
    throw err;
  }
}
