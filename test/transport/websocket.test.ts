import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { idleGuest } from '../../src/guest/programs.js';
import type { VramVnc } from '../../src/app.js';
import { DEFAULT_WEBSOCKET_OPTIONS } from '../../src/transport/websocket.js';
import { countDiff, fetchScreenshot, startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

const wsBase = (a: VramVnc) => a.webUrl!.replace(/^http/, 'ws').replace(/\/$/, '');

/** A WebSocket whose incoming binary messages queue up for `read(n)`. */
class WsPeer {
  chunks: Buffer[] = [];
  textFrames = 0;
  closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (!isBinary) this.textFrames++;
      this.chunks.push(d);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, protocols?: string | string[]): Promise<WsPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      const peer = new WsPeer(ws);
      ws.once('open', () => resolve(peer));
      ws.once('error', reject);
    });
  }

  get length(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  async read(n: number): Promise<Buffer> {
    while (this.length < n) await new Promise<void>((r) => this.#waiters.push(r));
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(n)];
    return all.subarray(0, n);
  }
}

/** RFB 3.8 handshake up to ServerInit; returns width, height. */
async function handshake(p: WsPeer): Promise<{ width: number; height: number }> {
  expect((await p.read(12)).toString()).toBe('RFB 003.008\n');
  p.ws.send(Buffer.from('RFB 003.008\n'));
  expect([...(await p.read(2))]).toEqual([1, 1]); // one security type: None
  p.ws.send(Buffer.from([1]));
  expect((await p.read(4)).readUInt32BE(0)).toBe(0);
  p.ws.send(Buffer.from([1])); // shared
  const head = await p.read(24);
  await p.read(head.readUInt32BE(20)); // name
  return { width: head.readUInt16BE(0), height: head.readUInt16BE(2) };
}

describe('RFB over WebSocket', () => {
  it('picks the binary subprotocol when it is offered', async () => {
    app = await startApp(idleGuest);
    const p = await WsPeer.open(`${wsBase(app)}/websockify`, ['binary']);
    expect(p.ws.protocol).toBe('binary');
    p.ws.close();
  });

  it('answers without a subprotocol when none is offered (as noVNC connects)', async () => {
    app = await startApp(idleGuest);
    const p = await WsPeer.open(`${wsBase(app)}/websockify`);
    expect(p.ws.protocol).toBe('');
    p.ws.close();
  });

  it('refuses a client that offers only subprotocols it does not speak', async () => {
    app = await startApp(idleGuest);
    await expect(WsPeer.open(`${wsBase(app)}/websockify`, ['base64'])).rejects.toThrow(/400/);
  });

  it('refuses upgrades on other paths with 404', async () => {
    app = await startApp(idleGuest);
    await expect(WsPeer.open(`${wsBase(app)}/nope`)).rejects.toThrow(/404/);
  });

  it('runs the same RFB session on / and /websockify, in binary frames, and the first frame equals /screenshot.png', async () => {
    app = await startApp(idleGuest);
    for (const path of ['/', '/websockify']) {
      const p = await WsPeer.open(`${wsBase(app)}${path}`, 'binary');
      const { width, height } = await handshake(p);
      expect([width, height]).toEqual([1024, 768]);
      // FramebufferUpdateRequest, non-incremental, whole screen
      const req = Buffer.alloc(10);
      req.writeUInt8(3, 0);
      req.writeUInt16BE(width, 6);
      req.writeUInt16BE(height, 8);
      p.ws.send(req);
      const hdr = await p.read(4);
      expect(hdr[0]).toBe(0);
      const rgba = new Uint8Array(width * height * 4);
      const n = hdr.readUInt16BE(2);
      for (let i = 0; i < n; i++) {
        const r = await p.read(12);
        const [x, y, w, h, enc] = [r.readUInt16BE(0), r.readUInt16BE(2), r.readUInt16BE(4), r.readUInt16BE(6), r.readInt32BE(8)];
        expect(enc).toBe(0); // Raw, 32 bpp little-endian BGRX (the native format)
        const px = await p.read(w * h * 4);
        for (let row = 0; row < h; row++) {
          for (let col = 0; col < w; col++) {
            const s = (row * w + col) * 4;
            const d = ((y + row) * width + x + col) * 4;
            rgba[d] = px[s + 2]!;
            rgba[d + 1] = px[s + 1]!;
            rgba[d + 2] = px[s]!;
            rgba[d + 3] = 255;
          }
        }
      }
      expect(p.textFrames).toBe(0);
      const truth = await fetchScreenshot(app);
      expect(countDiff({ width, height, data: rgba }, truth)).toBe(0);
      p.ws.close();
      await p.closed;
    }
  });

  it('closes with 1009 when a client message exceeds maxPayload, and other clients carry on', async () => {
    app = await startApp(idleGuest);
    const good = await WsPeer.open(`${wsBase(app)}/websockify`);
    await handshake(good);
    const bad = await WsPeer.open(`${wsBase(app)}/websockify`);
    bad.ws.send(Buffer.alloc(DEFAULT_WEBSOCKET_OPTIONS.maxPayload + 1));
    expect((await bad.closed).code).toBe(1009);
    // the good client still gets answers
    good.ws.send(Buffer.from([3, 0, 0, 0, 0, 0, 0, 8, 0, 8])); // FramebufferUpdateRequest 8x8
    const hdr = await good.read(4);
    expect(hdr[0]).toBe(0);
    good.ws.close();
  });

  it('closes with 1003 on a text frame (RFB is binary)', async () => {
    app = await startApp(idleGuest);
    const p = await WsPeer.open(`${wsBase(app)}/websockify`);
    p.ws.send('RFB 003.008\n');
    expect((await p.closed).code).toBe(1003);
  });

  it('takes a handshake split into one-byte frames', async () => {
    app = await startApp(idleGuest);
    const p = await WsPeer.open(`${wsBase(app)}/websockify`);
    await p.read(12);
    for (const b of Buffer.from('RFB 003.008\n')) p.ws.send(Buffer.from([b]));
    expect([...(await p.read(2))]).toEqual([1, 1]);
    p.ws.close();
  });
});
