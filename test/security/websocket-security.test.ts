// The web port's guards, wired: the WebSocket Origin check, wss:// and https:// with the --tls-cert
// certificate (VNC Authentication inside), and HTTP/upgrade handshake timeouts.
import fs from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { loadTlsCredentials } from '../../src/rfb/security/tls.js';
import { vncAuthResponse } from '../../src/rfb/security/vnc-auth.js';
import { DEFAULT_WEB_SECURITY } from '../../src/transport/web-security.js';
import { sleep, startApp } from '../helpers/app.js';
import { makeSelfSignedCert, type CertFiles } from './tls-fixture.js';

let certs: CertFiles;
let app: VramVnc | null = null;
let logs: string[] = [];
beforeAll(() => {
  certs = makeSelfSignedCert();
});
afterAll(() => fs.rmSync(certs.dir, { recursive: true, force: true }));
afterEach(async () => {
  await app?.stop();
  app = null;
});

const wsUrl = (a: VramVnc) => `${a.webUrl!.replace(/^http/, 'ws')}websockify`;

/** Open a WebSocket; resolves with it, or with the HTTP status that refused it. */
function open(url: string, opts: WebSocket.ClientOptions & ConnectionOptions = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/** Bytes from a WebSocket, n at a time. */
function reader(ws: WebSocket): (n: number) => Promise<Buffer> {
  let buf = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  ws.on('message', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  return async (n) => {
    while (buf.length < n) await new Promise<void>((r) => (wake = r));
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
}

describe('WebSocket Origin check', () => {
  it('refuses another site (403, logged), accepts the page’s own host and --allow-origin ones', async () => {
    logs = [];
    app = await startApp(idleGuest, { log: (l) => logs.push(l), webSecurity: { ...DEFAULT_WEB_SECURITY, allowOrigins: ['https://console.example'] } });
    const host = new URL(app.webUrl!).host;
    expect(await open(wsUrl(app), { origin: 'http://evil.example' })).toBe(403);
    expect(logs.some((l) => /refused: Origin "http:\/\/evil\.example" is not allowed \(see --allow-origin\)/.test(l))).toBe(true);
    for (const origin of [`http://${host}`, 'https://console.example', undefined]) {
      const ws = await open(wsUrl(app), origin ? { origin } : {});
      expect(ws).toBeInstanceOf(WebSocket);
      (ws as WebSocket).close();
    }
  });

  it('is on by default (no --allow-origin): only the same host', async () => {
    app = await startApp(idleGuest);
    expect(await open(wsUrl(app), { origin: 'https://console.example' })).toBe(403);
  });
});

describe('wss:// and https:// with the certificate', () => {
  it('serves the screenshot over https and RFB with VNC Authentication over wss', async () => {
    const tls = loadTlsCredentials(certs.cert, certs.key);
    app = await startApp(idleGuest, {
      webSecurity: { ...DEFAULT_WEB_SECURITY, tls },
      rfb: { security: new SecurityPolicy({ password: Buffer.from('wsspass'), tls }) },
    });
    expect(app.webUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const ca = fs.readFileSync(certs.cert);
    const ws = (await open(wsUrl(app), { ca, servername: 'localhost' })) as WebSocket;
    const read = reader(ws);
    expect((await read(12)).toString()).toBe('RFB 003.008\n');
    ws.send(Buffer.from('RFB 003.008\n'));
    // no VeNCrypt over WebSocket (TLS is wss's job): VNC Authentication only
    expect([...(await read(2))]).toEqual([1, 2]);
    ws.send(Buffer.from([2]));
    ws.send(vncAuthResponse(Buffer.from('wsspass'), await read(16)));
    expect((await read(4)).readUInt32BE(0)).toBe(0);
    ws.send(Buffer.from([1]));
    const init = await read(24);
    expect(init.readUInt16BE(0)).toBe(1024);
    ws.close();
  });
});

describe('web handshake timeouts', () => {
  it('drops a connection that stalls in its HTTP request headers', async () => {
    app = await startApp(idleGuest, { webSecurity: { ...DEFAULT_WEB_SECURITY, handshakeTimeoutMs: 200 } });
    const port = Number(new URL(app.webUrl!).port);
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => {});
    s.resume();
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('GET /websockify HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and never the blank line
    await new Promise((r) => s.once('close', r));
    await sleep(0);
  });
});
