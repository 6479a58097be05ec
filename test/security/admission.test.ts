// The smaller items of issue 16: the web port's Host check (DNS rebinding), SetDesktopSize only from
// clients that announced ExtendedDesktopSize, the --share policy (QEMU's three), and handshakes in
// progress capped apart from established clients.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RfbClient } from '../../client/headless/rfb-client.js';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { ByteWriter } from '../../src/rfb/wire/byte-writer.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import type { SharePolicy } from '../../src/rfb/admission.js';
import { DEFAULT_WEB_SECURITY, hostAllowed } from '../../src/transport/web-security.js';
import { clientImage, connect, countDiff, fetchScreenshot, startApp, until } from '../helpers/app.js';
import { RawPeer } from './hostile.js';

let app: VramVnc | null = null;
let logs: string[] = [];
afterEach(async () => {
  await app?.stop();
  app = null;
});

/** GET path with a given Host header (fetch does not let a page, or us, choose it). */
function getWithHost(url: string, path: string, host: string, upgrade = false): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { host };
    if (upgrade) Object.assign(headers, { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
    const req = http.get({ host: u.hostname, port: u.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
  });
}

describe('web port Host check (DNS rebinding)', () => {
  it('accepts loopback names, IP addresses, the listen address and --allow-host; nothing else', () => {
    for (const h of ['localhost:6080', 'LOCALHOST', 'vnc.localhost:1', '127.0.0.1:6080', '[::1]:6080', '192.168.1.5', 'localhost.']) expect(hostAllowed(h, [], '127.0.0.1'), h).toBe(true);
    expect(hostAllowed(undefined, [], '127.0.0.1')).toBe(true); // not a browser
    for (const h of ['attacker.example:6080', 'localhost.attacker.example', '127.0.0.1.nip.io', 'bad host']) expect(hostAllowed(h, [], '127.0.0.1'), h).toBe(false);
    expect(hostAllowed('vm1.lan:6080', [], 'vm1.lan')).toBe(true);
    expect(hostAllowed('console.example.com', ['console.example.com'], '0.0.0.0')).toBe(true);
    expect(hostAllowed('a.b.example.com', ['.example.com'], '0.0.0.0')).toBe(true);
    expect(hostAllowed('example.com', ['.example.com'], '0.0.0.0')).toBe(true);
    expect(hostAllowed('notexample.com', ['.example.com'], '0.0.0.0')).toBe(false);
    expect(hostAllowed('anything', ['*'], '0.0.0.0')).toBe(true);
  });

  it('a rebinding Host gets 403 and a log line, for pages, the screenshot and the WebSocket; --allow-host lets a name in', async () => {
    logs = [];
    app = await startApp(idleGuest, { log: (l) => logs.push(l), webSecurity: { ...DEFAULT_WEB_SECURITY, allowHosts: ['console.example'] } });
    const port = new URL(app.webUrl!).port;
    for (const path of ['/', '/screenshot.png', '/stats']) {
      expect(await getWithHost(app.webUrl!, path, `attacker.example:${port}`), path).toBe(403);
      expect(await getWithHost(app.webUrl!, path, `localhost:${port}`), path).toBe(200);
      expect(await getWithHost(app.webUrl!, path, `console.example:${port}`), path).toBe(200);
    }
    expect(await getWithHost(app.webUrl!, '/websockify', `attacker.example:${port}`, true)).toBe(403);
    expect(await getWithHost(app.webUrl!, '/websockify', `127.0.0.1:${port}`, true)).toBe(101);
    const refused = logs.filter((l) => /refused: Host "attacker\.example:\d+" is not a name of this server \(DNS rebinding\?\); see --allow-host/.test(l));
    expect(refused).toHaveLength(4);
  });
});

describe('SetDesktopSize', () => {
  const setDesktopSize = (w: number, h: number) => new ByteWriter().u8(251).pad(1).u16(w).u16(h).u8(1).pad(1).u32(0).u16(0).u16(0).u16(w).u16(h).u32(0).toBuffer();

  it('from a client that never announced ExtendedDesktopSize is ignored and logged: the guest and Raw-only clients carry on', async () => {
    logs = [];
    app = await startApp(idleGuest, { log: (l) => logs.push(l) });
    const rawOnly = await connect(app, { encodings: [EncodingType.Raw] });
    await rawOnly.waitFirstFrame();
    const p = await RawPeer.open(Number(new URL(app.vncUrl!.replace('vnc:', 'http:')).port), [EncodingType.Raw]);
    p.write(setDesktopSize(800, 600));
    p.write(setDesktopSize(640, 480));
    p.request(false, 0, 0, 16, 16);
    await p.readUpdate(4); // still served
    expect(app.device.vbe.mode()).toMatchObject({ width: 1024, height: 768 });
    expect(logs.filter((l) => /SetDesktopSize 800x600 ignored: the client did not announce ExtendedDesktopSize/.test(l))).toHaveLength(1);
    expect(logs.some((l) => /640x480/.test(l))).toBe(false); // logged once per client
    expect(rawOnly.state).toBe('Normal');
    rawOnly.requestUpdate(false);
    await rawOnly.nextUpdate();
    expect(countDiff(clientImage(rawOnly), await fetchScreenshot(app))).toBe(0);
    p.close();
    rawOnly.close();
  });
});

describe('--share (QEMU: allow-exclusive, force-shared, ignore)', () => {
  async function withPolicy(share: SharePolicy) {
    logs = [];
    app = await startApp(idleGuest, { log: (l) => logs.push(l), rfb: { share } });
    const open = async (shared: boolean) => {
      const c = await connect(app!, { shared });
      await c.waitFirstFrame();
      return c;
    };
    return { open };
  }
  const closedFor = (c: RfbClient) => new Promise<void>((r) => (c.state === 'Closed' ? r() : c.once('close', () => r())));

  it('allow-exclusive (default): shared-flag 0 disconnects the others; shared ones are refused while it is there', async () => {
    const { open } = await withPolicy('allow-exclusive');
    const a = await open(true);
    const gone = closedFor(a);
    const b = await open(false);
    await gone;
    await expect(open(true)).rejects.toThrow();
    await until('the refusal line', () => logs.some((l) => /closed: refused: a client with exclusive access \(shared-flag 0\) is connected/.test(l)));
    b.close();
    await until('b to go', () => app!.rfb.sessions.size === 0);
    (await open(true)).close();
  });

  it('force-shared: a client asking for exclusive access is refused, the others stay', async () => {
    const { open } = await withPolicy('force-shared');
    const a = await open(true);
    await expect(open(false)).rejects.toThrow();
    await until('the refusal line', () => logs.some((l) => /closed: refused: it asked for exclusive access \(shared-flag 0\) and the server is --share force-shared/.test(l)));
    a.requestUpdate(false);
    await a.nextUpdate();
    a.close();
  });

  it('ignore: the shared flag means nothing, everyone stays', async () => {
    const { open } = await withPolicy('ignore');
    const a = await open(true);
    const b = await open(false);
    const c = await open(true);
    for (const x of [a, b, c]) {
      x.requestUpdate(false);
      await x.nextUpdate();
      x.close();
    }
  });
});

describe('handshakes in progress are capped apart from established clients', () => {
  it('500 half-open handshakes from one local process do not lock a real viewer out', async () => {
    logs = [];
    app = await startApp(idleGuest, { log: (l) => logs.push(l), rfb: { maxClients: 100 } });
    const port = Number(/:(\d+)$/.exec(app.vncUrl!)![1]);
    const established = await connect(app);
    await established.waitFirstFrame();
    const stalled: net.Socket[] = [];
    for (let i = 0; i < 500; i++) {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.on('error', () => {});
      s.once('connect', () => s.write(i % 2 ? 'RFB 003.008\n' : 'RFB 00')); // stop halfway
      stalled.push(s);
    }
    await until('500 connections accepted', () => app!.rfb.counters.connections >= 501, 20_000);
    const sessions = app.rfb.sessions.size;
    const t0 = performance.now();
    const viewer = await connect(app, { timeoutMs: 5000 });
    await viewer.waitFirstFrame(5000);
    const ms = performance.now() - t0;
    console.log(`500 half-open handshakes: ${sessions} sessions held (1 established + at most 100 handshakes); a real viewer got its first frame in ${ms.toFixed(0)} ms (handshake timeout 10 s)`);
    expect(sessions).toBeLessThanOrEqual(1 + 100);
    expect(countDiff(clientImage(viewer), await fetchScreenshot(app))).toBe(0);
    expect(established.state).toBe('Normal');
    expect(logs.filter((l) => /handshake dropped: 100 handshakes in progress \(max 100\) and this one the quietest/.test(l)).length).toBeGreaterThanOrEqual(400);
    for (const s of stalled) s.destroy();
    viewer.close();
    established.close();
  }, 60_000);
});
