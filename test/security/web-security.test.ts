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
