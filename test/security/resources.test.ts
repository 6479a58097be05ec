// Bounded resources: many connections come and go without leaking heap or handles; a client that
// never reads never makes the server buffer without bound; max clients is enforced.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RfbClient } from '../../client/headless/rfb-client.js';
import type { VramVnc } from '../../src/app.js';
import { clientImage, connect, countDiff, fetchScreenshot, sleep, startApp, until } from '../helpers/app.js';
import { handleCount, settledHeap } from '../fuzz/gc.js';
import { paint, tinyGuest, TINY_H, TINY_W } from '../fuzz/tiny-guest.js';
import { Wire } from './wire.js';

let app: VramVnc | null = null;
let logs: string[] = [];
afterEach(async () => {
  await app?.stop();
  app = null;
});

const MiB = 2 ** 20;

describe('connection lifecycle', () => {
  it('500 connect/disconnect cycles and 200 concurrent clients leave heap and handles as they were', async () => {
    logs = [];
    app = await startApp(tinyGuest, { log: (l) => logs.push(l), rfb: { maxClients: 250 } });
    const a = app;
    const port = Wire.portOf(a.vncUrl!);
    // warm up (JIT, pools), then measure
    for (let i = 0; i < 20; i++) (await connect(a)).close();
    await until('warm-up sessions to close', () => a.rfb.sessions.size === 0);
    const heap0 = await settledHeap();
    const handles0 = handleCount();

    for (let i = 0; i < 500; i++) {
      if (i % 2 === 0) {
        // a full session: handshake, first frame, then the client goes away
        const c = await connect(a);
        await c.waitFirstFrame();
        c.close();
      } else {
        // an aborted one: connect, half a version line, hang up
        const s = net.connect({ port, host: '127.0.0.1' });
        s.on('error', () => {});
        s.resume(); // read (and drop) the server's version, so that its close reaches us
        await new Promise<void>((r) => s.once('connect', () => r()));
        s.end('RFB 003');
        await new Promise((r) => s.once('close', r));
      }
    }
    await until('500 sessions to close', () => a.rfb.sessions.size === 0);

    const clients: RfbClient[] = await Promise.all(Array.from({ length: 200 }, () => connect(a, { timeoutMs: 30_000 })));
    await Promise.all(clients.map((c) => c.waitFirstFrame(30_000)));
    expect(a.rfb.sessions.size).toBe(200);
    // all 200 see a change the guest makes
    paint(a.mem, 10, 10, 50, 40, 0xff00ff);
    const truth = await fetchScreenshot(a);
    await Promise.all(clients.map((c) => c.waitUntil(() => countDiff(clientImage(c), truth) === 0, 30_000)));
    for (const c of clients) c.close();
    await until('200 sessions to close', () => a.rfb.sessions.size === 0);
    clients.length = 0;

    const heap1 = await settledHeap();
    await until('handles to settle', () => handleCount() <= handles0 + 2, 5000).catch(() => {});
    const handles1 = handleCount();
    console.log(`heap ${(heap0 / MiB).toFixed(1)} -> ${(heap1 / MiB).toFixed(1)} MiB; handles ${handles0} -> ${handles1}; ${a.rfb.counters.connections} connections`);
    expect(a.rfb.counters.connections).toBe(20 + 500 + 200);
    expect(heap1 - heap0).toBeLessThan(8 * MiB);
    expect(handles1).toBeLessThanOrEqual(handles0 + 2);
    expect(logs.filter((l) => l.includes(' closed: ')).length).toBe(20 + 500 + 200);
  }, 120_000);

  it('refuses connections beyond --max-clients and logs it', async () => {
    logs = [];
    app = await startApp(tinyGuest, { log: (l) => logs.push(l), rfb: { maxClients: 2 } });
    const c1 = await connect(app);
    const c2 = await connect(app);
    await expect(connect(app)).rejects.toThrow();
    expect(logs.some((l) => /refused: already 2 clients \(max 2\)/.test(l))).toBe(true);
    c1.close();
    await until('a slot to free', () => app!.rfb.sessions.size === 1);
    const c3 = await connect(app);
    c2.close();
    c3.close();
  });
});

describe('a client that never reads', () => {
  /** Handshake by hand (security None, shared), then ask for full frames forever without reading. */
  async function greedy(port: number): Promise<net.Socket> {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('RFB 003.008\n\x01\x01');
    s.write(Buffer.from('02000001' + '00000000', 'hex')); // SetEncodings [Raw]
    s.pause(); // and never read again
    return s;
  }
  const fullRequest = Buffer.from('0300' + '0000' + '0000' + TINY_W.toString(16).padStart(4, '0') + TINY_H.toString(16).padStart(4, '0'), 'hex');

  it('is held back at maxQueuedBytes (plus one update) while the guest keeps drawing; others carry on', async () => {
    logs = [];
    const frame = TINY_W * TINY_H * 4 + 16;
    app = await startApp(tinyGuest, { log: (l) => logs.push(l), rfb: { maxQueuedBytes: 256 * 1024, maxOutputBytes: 64 * MiB } });
    const a = app;
    const s = await greedy(Wire.portOf(a.vncUrl!));
    const good = await connect(a);
    await good.waitFirstFrame();
    const greedySession = [...a.rfb.sessions][0]!; // the first to connect
    let maxBuffered = 0;
    for (let i = 0; i < 200; i++) {
      s.write(fullRequest);
      paint(a.mem, i % 200, i % 150, 100, 80, i * 0x010101);
      await sleep(5);
      maxBuffered = Math.max(maxBuffered, greedySession.channel.bufferedAmount);
    }
    expect(greedySession.counters.updates).toBeGreaterThan(1); // it was sent frames until its socket filled
    expect(greedySession.state).toBe('Normal'); // still connected: bounded, not dropped
    expect(maxBuffered).toBeLessThanOrEqual(256 * 1024 + frame);
    const truth = await fetchScreenshot(a);
    await good.waitUntil(() => countDiff(clientImage(good), truth) === 0);
    good.close();
    s.destroy();
  });

  it('is dropped (RFB_ERR_OUTPUT_OVERFLOW) once more than the hard cap waits for it', async () => {
    logs = [];
    app = await startApp(tinyGuest, { log: (l) => logs.push(l), rfb: { maxQueuedBytes: 64 * 1024, maxOutputBytes: 128 * 1024 } });
    const a = app;
    const s = await greedy(Wire.portOf(a.vncUrl!));
    // full frames (300 KiB each) until the kernel's socket buffer is full and one waits in user space
    for (let i = 0; i < 2000 && !logs.some((l) => l.includes(' closed: ')); i++) {
      s.write(fullRequest);
      paint(a.mem, 0, 0, TINY_W, TINY_H, i * 0x010203);
      await sleep(2);
    }
    await until('the greedy client to be dropped', () => logs.some((l) => l.includes(' closed: ')));
    expect(logs.find((l) => l.includes(' closed: '))).toContain('RFB_ERR_OUTPUT_OVERFLOW: more than 131072 bytes queued for a client that does not read');
    s.destroy();
  });
});

describe('hostile handshakes and messages (each closes with its code; the server carries on)', () => {
  it.each([
    ['garbage instead of the version', 'GET / HTTP/1.1\r\n\r\n', 'RFB_ERR_BAD_VERSION'],
    ['an unsupported major version', 'RFB 004.001\n', 'RFB_ERR_UNSUPPORTED_VERSION'],
    ['an unknown message type', 'RFB 003.008\n\x01\x01\x07', 'RFB_ERR_UNKNOWN_MESSAGE: unknown client message type 7'],
    ['a SetPixelFormat with 24 bpp', 'RFB 003.008\n\x01\x01\x00\x00\x00\x00\x18\x18\x00\x01\x00\xff\x00\xff\x00\xff\x10\x08\x00\x00\x00\x00', 'RFB_ERR_BAD_PIXEL_FORMAT: bad pixel format: bits-per-pixel 24'],
    ['a SetEncodings with 65535 encodings', 'RFB 003.008\n\x01\x01\x02\x00\xff\xff', 'RFB_ERR_TOO_MANY_ENCODINGS: SetEncodings with 65535 encodings'],
    ['a 4 GiB ClientCutText', 'RFB 003.008\n\x01\x01\x06\x00\x00\x00\xff\xff\xff\xff', 'RFB_ERR_MESSAGE_TOO_LARGE: ClientCutText of 4294967295 bytes (limit 1048576)'],
    ['a message cut short', 'RFB 003.008\n\x01\x01\x03\x00\x00', 'RFB_ERR_TRUNCATED: connection closed by client in the middle of a message (3 bytes discarded)'],
  ])('%s', async (_name, stream, expected) => {
    logs = [];
    app = await startApp(tinyGuest, { log: (l) => logs.push(l) });
    const heapBefore = process.memoryUsage().heapUsed;
    const w = await Wire.connect(Wire.portOf(app.vncUrl!));
    w.write(stream);
    w.socket.end();
    await w.readToClose();
    await until('the close line', () => logs.some((l) => l.includes(' closed: ')));
    expect(logs.find((l) => l.includes(' closed: '))).toContain(expected);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MiB); // nothing of the declared size was allocated
    const c = await connect(app);
    await c.waitFirstFrame();
    c.close();
  });

  it.each([
    ['before the version', ''],
    ['in the middle of the version', 'RFB 003'],
    ['before choosing a security type', 'RFB 003.008\n'],
    ['before ClientInit', 'RFB 003.008\n\x01'],
  ])('a client that stalls %s is timed out', async (_name, stream) => {
    logs = [];
    app = await startApp(tinyGuest, { log: (l) => logs.push(l), rfb: { handshakeTimeoutMs: 150 } });
    const w = await Wire.connect(Wire.portOf(app.vncUrl!));
    if (stream) w.write(stream);
    await w.readToClose();
    await until('the close line', () => logs.some((l) => l.includes(' closed: ')));
    expect(logs.find((l) => l.includes(' closed: '))).toContain('closed: RFB_ERR_TIMEOUT: handshake not finished within 150 ms');
  });

  it('clamps update requests outside the framebuffer', async () => {
    app = await startApp(tinyGuest);
    const c = await connect(app, { autoUpdate: false });
    await c.waitFirstFrame();
    c.requestUpdate(false, { x: TINY_W - 10, y: TINY_H - 10, w: 0xffff, h: 0xffff });
    const u = await c.nextUpdate();
    for (const r of u.rects) {
      expect(r.x + r.w).toBeLessThanOrEqual(TINY_W);
      expect(r.y + r.h).toBeLessThanOrEqual(TINY_H);
    }
    c.close();
  });

  it('a trickle of 1-byte writes cannot pile up receive-buffer chunks', async () => {
    logs = [];
    app = await startApp(tinyGuest, { log: (l) => logs.push(l) });
    const w = await Wire.connect(Wire.portOf(app.vncUrl!));
    w.write('RFB 003.008\n\x01\x01');
    w.write(Buffer.from([6, 0, 0, 0, 0, 1, 0, 0])); // ClientCutText of 64 KiB, then its bytes one at a time
    w.socket.setNoDelay(true);
    for (let i = 0; i < 3000; i++) {
      w.write(Buffer.from([0x41]));
      if (i % 100 === 0) await sleep(1);
    }
    await sleep(50);
    const sess = [...app.rfb.sessions][0]!;
    expect(sess.state).toBe('Normal');
    w.close();
  });
});

describe('one host cannot take every slot', () => {
  /** A connection that never says anything, from a given address (no socket needed). */
  function fakeChannel(remoteAddress: string) {
    let closed: (() => void) | null = null;
    return {
      remoteAddress,
      bufferedAmount: 0,
      destroyed: false,
      write() {},
      close() {
        this.destroy();
      },
      destroy() {
        this.destroyed = true;
        closed?.();
      },
      onData() {},
      onClose(cb: () => void) {
        closed = cb;
      },
      onDrain() {},
    };
  }

  it('refuses a remote host’s connections beyond maxPendingPerHost handshakes; others and loopback still get in', async () => {
    logs = [];
    app = await startApp(tinyGuest, { log: (l) => logs.push(l), rfb: { maxPendingPerHost: 3, maxClients: 20 } });
    const from = (a: string) => app!.rfb.accept(fakeChannel(a));
    for (let i = 0; i < 3; i++) expect(from(`203.0.113.7:${4000 + i}`)).not.toBeNull();
    const refused = fakeChannel('203.0.113.7:4010');
    expect(app.rfb.accept(refused)).toBeNull();
    expect(refused.destroyed).toBe(true);
    expect(logs).toContain('203.0.113.7:4010 refused: 3 connections from 203.0.113.7 still in the handshake (max 3)');
    expect(from('ws://203.0.113.7:4011')).toBeNull(); // the same host over WebSocket counts too
    expect(from('198.51.100.2:5000')).not.toBeNull();
    for (let i = 0; i < 5; i++) expect(from(`127.0.0.1:${6000 + i}`)).not.toBeNull();
    app.rfb.closeAll('test over');
  });
});
