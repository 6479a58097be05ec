import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { applyHttpTimeouts, armHandshakeTimer, httpServerTimeouts, originAllowed } from '../../src/transport/web-security.js';

describe('WebSocket Origin check', () => {
  it('accepts the page’s own host by default, and nothing else', () => {
    expect(originAllowed('http://127.0.0.1:6080', '127.0.0.1:6080', [])).toBe(true);
    expect(originAllowed('https://VM.example:443', 'vm.example', [])).toBe(true);
    expect(originAllowed('http://evil.example', '127.0.0.1:6080', [])).toBe(false);
    expect(originAllowed('http://127.0.0.1:6081', '127.0.0.1:6080', [])).toBe(false);
    expect(originAllowed('null', '127.0.0.1:6080', [])).toBe(false);
  });

  it('accepts listed origins (--allow-origin), or any with *', () => {
    expect(originAllowed('https://console.example', '10.0.0.5:6080', ['https://console.example/'])).toBe(true);
    expect(originAllowed('https://other.example', '10.0.0.5:6080', ['https://console.example'])).toBe(false);
    expect(originAllowed('https://other.example', '10.0.0.5:6080', ['*'])).toBe(true);
  });

  it('lets non-browser clients (no Origin header) through', () => {
    expect(originAllowed(undefined, '127.0.0.1:6080', [])).toBe(true);
  });
});

describe('handshake timeouts', () => {
  it('a connection that never finishes its upgrade is destroyed', async () => {
    const server = net.createServer((s) => {
      armHandshakeTimer(s, 100);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    c.on('error', () => {});
    await new Promise((r) => c.once('close', r));
    server.close();
  });

  it('sets the HTTP header and request timeouts', () => {
    const s = http.createServer();
    applyHttpTimeouts(s, 1234);
    expect(s.headersTimeout).toBe(1234);
    expect(s.requestTimeout).toBe(1234);
    expect(httpServerTimeouts(200)).toEqual({ headersTimeout: 200, requestTimeout: 200, connectionsCheckingInterval: 2 ** 31 - 1 });
  });
});

describe('web port with a password', () => {
  it('asks for the VNC password (HTTP Basic) before /screenshot.png and /stats, and serves with it', async () => {
    const { startApp } = await import('../helpers/app.js');
    const { idleGuest } = await import('../../src/guest/programs.js');
    const { DEFAULT_WEB_SECURITY } = await import('../../src/transport/web-security.js');
    const app = await startApp(idleGuest, { webSecurity: { ...DEFAULT_WEB_SECURITY, password: Buffer.from('s3cret') } });
    try {
      for (const path of ['screenshot.png', 'stats', 'stats/pages']) {
        const anon = await fetch(`${app.webUrl}${path}`);
        expect(anon.status).toBe(401);
        expect(anon.headers.get('www-authenticate')).toBe('Basic realm="vramvnc", charset="UTF-8"');
        const wrong = await fetch(`${app.webUrl}${path}`, { headers: { authorization: `Basic ${Buffer.from('me:s3cre').toString('base64')}` } });
        expect(wrong.status).toBe(401);
        const ok = await fetch(`${app.webUrl}${path}`, { headers: { authorization: `Basic ${Buffer.from('anyone:s3cret').toString('base64')}` } });
        expect(ok.status).toBe(200);
        await ok.arrayBuffer();
      }
      // the viewer page itself stays open (RFB asks for the password in its own handshake)
      expect((await fetch(app.webUrl!)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});
