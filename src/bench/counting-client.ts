// A viewer-like RFB client for load benchmarks: it negotiates, keeps one incremental request
// outstanding and counts updates and bytes, skipping pixel data instead of decoding it, so that
// one process can stand in for many viewers. Handles encodings whose bodies have a known length
// (Raw, Zlib, ZRLE, Tight: its length is found from the control bytes); use the headless client for anything that must be decoded.
import net from 'node:net';
import { ByteQueue } from '../rfb/byte-queue.js';
import { ByteWriter } from '../rfb/byte-writer.js';
import { EncodingType } from '../rfb/encodings/encodings.js';
import { NATIVE_FORMAT, writePixelFormat } from '../rfb/pixel-format.js';
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
          this.#socket.write('RFB 003.008\n');
          this.#stage = 'security';
          break;
        case 'security': {
          if (q.length < 1) return;
          const n = q.peek(1)[0]!;
          if (q.length < 1 + n) return;
          q.skip(1 + n);
          this.#socket.write(Buffer.from([1]));
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
          if (q.length < 24) return;
          const len = q.peek(24).readUInt32BE(20);
          if (q.length < 24 + len) return;
          const b = q.consume(24 + len);
          this.#width = b.readUInt16BE(0);
          this.#height = b.readUInt16BE(2);
          const w = new ByteWriter().u8(0).pad(3);
          writePixelFormat(w, NATIVE_FORMAT);
          w.u8(2).pad(1).u16(3).s32(this.encoding).s32(EncodingType.DesktopSize).s32(EncodingType.LastRect);
          this.#socket.write(w.toBuffer());
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
    this.#socket.write(new ByteWriter(10).u8(3).u8(incremental ? 1 : 0).u16(0).u16(0).u16(this.#width).u16(this.#height).toBuffer());
  }

  #message(): boolean {
    const q = this.#q;
    if (this.#rectsLeft < 0) {
      if (q.length < 4) return false;
      const h = q.peek(4);
      if (h[0] !== 0) throw new Error(`counting client: unexpected message type ${h[0]}`);
      this.#rectsLeft = h.readUInt16BE(2);
      q.skip(4);
    }
    while (this.#rectsLeft > 0) {
      if (!this.#rect) {
        if (q.length < 12) return false;
        const r = q.consume(12);
        this.#rect = { w: r.readUInt16BE(4), h: r.readUInt16BE(6), enc: r.readInt32BE(8) };
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
    const kind = ctl >> 4;
    if (kind === 8) return 4; // fill
    if (kind > 9) throw new Error(`counting client: bad Tight control byte 0x${ctl.toString(16)}`);
    let raw = kind === 9 ? Infinity : w * h * 3; // a JPEG always has a compact length
    if (kind < 8 && ctl & 0x40) {
      const filter = rd.u8();
      if (filter === 1) {
        const colours = rd.u8() + 1;
        rd.off += colours * 3;
        raw = colours === 2 ? ((w + 7) >> 3) * h : w * h;
      } else if (filter !== 0 && filter !== 2) throw new Error(`counting client: bad Tight filter ${filter}`);
    }
    if (raw < 12) return rd.off + raw;
    const len = rd.compactLength(); // advances rd.off past itself
    return rd.off + len;
  } catch (err) {
    if (err instanceof NeedMore) return null;
    throw err;
  }
}
