// The web port: the server-side screenshot (ground truth), the stats JSON, and the viewer
// (static files, a once-a-second stats stream; RFB over WebSocket is in websocket.ts).
import http from 'node:http';
import https from 'node:https';
import { surfaceToPng } from '../display/png.js';
import { serveStatic, serveViewerFile, statsStream, viewerRoot } from './web-viewer.js';
import { attachRfbWebSocket } from './websocket.js';
import type { WebHost } from './web-host.js';
import { DEFAULT_WEB_SECURITY, guardHttpConnections, hostAllowed, hostRefusedLine, httpServerTimeouts, ownGate, requirePassword } from './web-security.js';
import { handleType } from './type-endpoint.js';


function handle(app: WebHost, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/type') return handleType(app, req, res); // POST: paste as keystrokes
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  switch (url.pathname) {
    case '/screenshot.png': {
      const body = surfaceToPng(app.device.screenshot());
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    case '/stats': {
      const body = JSON.stringify(app.stats(), null, 2);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    case '/stats/pages': {
      const body = JSON.stringify(app.recency.snapshot());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    case '/stats/stream':
      statsStream(app, req, res);
      return;
    case '/':
      serveStatic(res, viewerRoot(), 'index.html', req.method === 'HEAD');
      return;
    default:
      if (serveViewerFile(url.pathname, res, req.method === 'HEAD')) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

export function listenWeb(host: string, port: number, app: WebHost): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const sec = app.options.webSecurity ?? DEFAULT_WEB_SECURITY;
    // one back-off for every password check (RFB, VeNCrypt, WebSocket, HTTP Basic)
    // one back-off for RFB and HTTP Basic: the RFB policy's gate
    const gate = app.rfb.options.security?.gate ?? ownGate();
    const hostOk = (h: string | undefined) => hostAllowed(h, sec.allowHosts ?? [], host);
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!hostOk(req.headers.host)) {
        app.options.log(hostRefusedLine(req));
        res.writeHead(403, { 'content-type': 'text/plain' }).end('this server does not answer to that Host name (see --allow-host)\n');
        return;
      }
      requirePassword(req, res, sec.password, gate, app.options.log, () => {
        try {
          handle(app, req, res);
        } catch (err) {
          res.writeHead(500).end(`internal error: ${(err as Error).message}\n`);
        }
      });
    };
    // https:// and wss:// with the --tls-cert certificate (an https.Server is not an http.Server to
    // TypeScript, but has the same request/upgrade/close events)
    const timeouts = httpServerTimeouts(sec.handshakeTimeoutMs);
    const server = sec.tls
      ? (https.createServer({ ...timeouts, handshakeTimeout: sec.handshakeTimeoutMs, cert: sec.tls.cert, key: sec.tls.key, minVersion: 'TLSv1.2' }, onRequest) as unknown as http.Server)
      : http.createServer(timeouts, onRequest);
    guardHttpConnections(server, sec.handshakeTimeoutMs, !!sec.tls);
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      reject(new Error(err.code === 'EADDRINUSE' ? `${where} is already in use` : `cannot listen on ${where}: ${err.message}`));
    });
    // the largest client message is a ClientCutText of maxCutText bytes plus its 8-byte header
    attachRfbWebSocket(server, (ch) => app.rfb.accept(ch), {
      maxPayload: app.rfb.options.maxCutText + 64,
      allowOrigins: sec.allowOrigins,
      handshakeTimeoutMs: sec.handshakeTimeoutMs,
      hostAllowed: hostOk,
      log: app.options.log,
    });
    server.listen(port, host, () => resolve(server));
  });
}
