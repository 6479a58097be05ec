// Test helpers for the hostile-client suite: the real server in a child process (so that its RSS
// is its own), and a raw RFB peer that reads answers fast without keeping them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SERVER_V8_FLAGS } from '../../src/runtime/v8-flags.js';
import { clientMessages } from '../../src/rfb/wire/client-messages.js';
import { pixelFormatKey, validatePixelFormat, type PixelFormat } from '../../src/rfb/wire/pixel-format.js';

export const MAIN = path.resolve('dist/src/cli/main.js');
export const MiB = 2 ** 20;

export interface ChildServer {
  proc: ChildProcess;
  vncPort: number;
  webUrl: string | null;
  stderr: () => string;
  /** Resident set size of the server process now (bytes, from /proc). */
  rss(): number;
  /** CPU time the server process has used (user + system, seconds, from /proc). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** `vramvnc serve` as `npm start` runs it, on ephemeral loopback ports. */
export async function spawnServer(args: string[]): Promise<ChildServer> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -p . first (npm test does)`);
  const proc = spawn(process.execPath, [...SERVER_V8_FLAGS, MAIN, 'serve', '--vnc', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const urls = await new Promise<{ vnc: string; web: string | null }>((resolve, reject) => {
    let out = '';
    const wantWeb = !args.includes('off') || args[args.indexOf('--web') + 1] !== 'off';
    proc.stdout!.on('data', (d) => {
      out += d;
      const vnc = /vnc: listening on vnc:\/\/\S+:(\d+)/.exec(out)?.[1];
      const web = /web: listening on (\S+)/.exec(out)?.[1] ?? null;
      if (vnc && (web || !wantWeb)) resolve({ vnc, web });
    });
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  const pid = proc.pid!;
  return {
    proc,
    vncPort: Number(urls.vnc),
    webUrl: urls.web,
    stderr: () => err,
    rss() {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(m![1]) * 1024;
    },
    cpuSeconds() {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
    },
    stop() {
      if (proc.exitCode !== null) return Promise.resolve();
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** Samples a child's RSS every few ms until stopped: the peak and the last value. */
export function watchRss(server: ChildServer, everyMs = 20): { stop(): { peak: number; last: number } } {
  let peak = server.rss();
  let last = peak;
  const t = setInterval(() => {
    last = server.rss();
    peak = Math.max(peak, last);
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      last = server.rss();
      return { peak: Math.max(peak, last), last };
    },
  };
}

/**
 * A raw RFB peer over TCP that reads the server's messages as they come, dropping pixel bytes
 * without copying them (a hostile client that reads its answers as fast as it can).
 */
export class RawPeer {
  #chunks: Buffer[] = [];
  #length = 0;
  #wake: (() => void) | null = null;
  #sink = false;
  closed = false;
  width = 0;
  height = 0;
  bytesRead = 0;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      if (this.#sink) {
        this.bytesRead += d.length;
        return;
      }
      this.#chunks.push(d);
      this.#length += d.length;
      this.bytesRead += d.length;
      this.#wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new RawPeer(s)));
      s.setNoDelay(true); // each message goes at once (no Nagle wait behind a delayed ACK)
      s.once('error', reject);
    });
  }

  /** Handshake with security None, shared; returns after ServerInit. */
  static async open(port: number, encodings: number[] = [0]): Promise<RawPeer> {
    const p = await RawPeer.connect(port);
    await p.take(12);
    p.write(Buffer.from('RFB 003.008\n'));
    const n = (await p.take(1))[0]!;
    await p.take(n);
    p.write(Buffer.from([1])); // None
    await p.take(4); // SecurityResult
    p.write(Buffer.from([1])); // shared
    const init = await p.take(24);
    p.width = init.readUInt16BE(0);
    p.height = init.readUInt16BE(2);
    await p.take(init.readUInt32BE(20));
    p.setEncodings(encodings);
    return p;
  }

  write(b: Uint8Array): void {
    this.socket.write(b);
  }

  /** From now on read everything the server sends and keep none of it (counted in bytesRead). */
  sink(): void {
    this.#sink = true;
    this.#chunks = [];
    this.#length = 0;
  }

  setEncodings(list: number[]): void {
    this.write(clientMessages.setEncodings(list));
  }

  setPixelFormat(pf: PixelFormat): void {
    this.write(clientMessages.setPixelFormat(pf));
  }

  request(incremental: boolean, x = 0, y = 0, w = this.width, h = this.height): void {
    this.write(updateRequest(incremental, x, y, w, h));
  }

  async #need(n: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#length < n) {
      if (this.closed) throw new Error(`connection closed with ${this.#length} of ${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#wake = () => {
          clearTimeout(t);
          this.#wake = null;
          r();
        };
      });
    }
  }

  /** The next n bytes (small reads only: headers). */
  async take(n: number): Promise<Buffer> {
    await this.#need(n);
    const out = Buffer.alloc(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      this.#drop(k);
    }
    return out;
  }

  /** Drop the next n bytes as they arrive, without holding more than a chunk. */
  async skip(n: number): Promise<void> {
    while (n > 0) {
      await this.#need(1);
      const k = Math.min(n, this.#length);
      this.#drop(k);
      n -= k;
    }
  }

  #drop(k: number): void {
    this.#length -= k;
    while (k > 0) {
      const c = this.#chunks[0]!;
      if (c.length <= k) {
        this.#chunks.shift();
        k -= c.length;
      } else {
        this.#chunks[0] = c.subarray(k);
        k = 0;
      }
    }
  }

  /**
   * Read server messages until a FramebufferUpdate has been read whole (Raw rectangles only, at
   * `bytesPerPixel`; colour maps, bells and cut text skipped). Returns its rectangle count.
   */
  async readUpdate(bytesPerPixel: number): Promise<number> {
    for (;;) {
      const type = (await this.take(1))[0]!;
      switch (type) {
        case 0: {
          const n = (await this.take(3)).readUInt16BE(1);
          for (let i = 0; i < n; i++) {
            const h = await this.take(12);
            const enc = h.readInt32BE(8);
            if (enc !== 0) throw new Error(`unexpected encoding ${enc}`);
            await this.skip(h.readUInt16BE(4) * h.readUInt16BE(6) * bytesPerPixel);
          }
          return n;
        }
        case 1: {
          const h = await this.take(5);
          await this.skip(h.readUInt16BE(3) * 6);
          break;
        }
        case 2:
          break;
        case 3:
          await this.skip((await this.take(7)).readUInt32BE(3));
          break;
        default:
          throw new Error(`unexpected server message ${type}`);
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export function updateRequest(incremental: boolean, x: number, y: number, w: number, h: number): Buffer {
  return clientMessages.framebufferUpdateRequest(incremental, x, y, w, h);
}

/** n distinct valid true-colour pixel formats (8, 16 and 32 bpp, both byte orders, all channel orders). */
export function distinctFormats(n: number): PixelFormat[] {
  const out: PixelFormat[] = [];
  const seen = new Set<string>();
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const layouts: { bpp: 8 | 16 | 32; bits: number[] }[] = [];
  for (const b of [8, 7, 6, 5]) layouts.push({ bpp: 32, bits: [b, b, b] }, { bpp: 32, bits: [b, 8, b] });
  for (const bits of [[5, 6, 5], [5, 5, 5], [4, 4, 4], [5, 5, 6], [6, 5, 5], [4, 5, 4]]) layouts.push({ bpp: 16, bits });
  for (const bits of [[3, 3, 2], [2, 3, 3], [2, 2, 2], [3, 2, 3]]) layouts.push({ bpp: 8, bits });
  for (const { bpp, bits } of layouts) {
    for (const perm of perms) {
      for (const gap of [0, 1, 2, 3]) {
        for (const bigEndian of bpp === 8 ? [false] : [false, true]) {
          // channels in the order perm, packed from bit `gap`
          const shifts = [0, 0, 0];
          let at = gap;
          for (const c of perm) {
            shifts[c] = at;
            at += bits[c]!;
          }
          if (at > bpp) continue;
          const pf: PixelFormat = {
            bitsPerPixel: bpp,
            depth: Math.min(bpp, bits[0]! + bits[1]! + bits[2]!),
            bigEndian,
            trueColour: true,
            redMax: 2 ** bits[0]! - 1,
            greenMax: 2 ** bits[1]! - 1,
            blueMax: 2 ** bits[2]! - 1,
            redShift: shifts[0]!,
            greenShift: shifts[1]!,
            blueShift: shifts[2]!,
          };
          validatePixelFormat(pf);
          const key = pixelFormatKey(pf);
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(pf);
          if (out.length === n) return out;
        }
      }
    }
  }
  throw new Error(`only ${out.length} distinct formats`);
}
