// RFB over WebSocket (what noVNC speaks): a ByteChannel around a `ws` socket, served on the web
// port's HTTP server at /websockify (noVNC's default path) and /. Binary frames only; the
// subprotocol is `binary` when the client offers it, none when it offers none.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { ByteChannel } from '../rfb/channel.js';
import { armHandshakeTimer, hostRefusedLine, originAllowed } from './web-security.js';

export const RFB_WS_PATHS: readonly string[] = ['/websockify', '/'];

export interface WebSocketOptions {
  /** Largest message accepted from a client; bigger ones close the connection with 1009. */
  maxPayload: number;
  /** Origins allowed besides the page's own host (web-security.ts originAllowed); absent: same host only. */
  allowOrigins?: readonly string[];
  /** Drop an upgrade that is not done within this long. */
  handshakeTimeoutMs?: number;
  /** The Host header check (web-security.ts hostAllowed); absent: any Host. */
  hostAllowed?: (host: string | undefined) => boolean;
  log?: (line: string) => void;
}

export const DEFAULT_WEBSOCKET_OPTIONS: WebSocketOptions = {
  // A client message is at most a ClientCutText of maxCutText plus its header; noVNC sends small frames.
  maxPayload: 1024 * 1024 + 64,
};

export class WebSocketChannel implements ByteChannel {
  readonly remoteAddress: string;
  #drain: (() => void)[] = [];

  constructor(readonly ws: WebSocket, req: http.IncomingMessage) {
    const a = req.socket.remoteAddress ?? '?';
    this.remoteAddress = `ws://${a.includes(':') ? `[${a}]` : a}:${req.socket.remotePort ?? '?'}`;
    ws.on('error', () => ws.terminate()); // reported through 'close'
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  write(data: Uint8Array, written?: () => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(data, { binary: true }, (err) => {
      written?.();
      if (!err && this.ws.bufferedAmount === 0) for (const cb of this.#drain) cb();
    });
  }

  close(): void {
    this.ws.close(1000);
    // do not wait forever for a peer that does not answer the close
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  destroy(): void {
    this.ws.terminate();
  }

  onData(cb: (chunk: Buffer) => void): void {
    this.ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        this.ws.close(1003, 'RFB needs binary frames');
        return;
      }
      cb(toBuffer(data));
    });
  }

  onClose(cb: () => void): void {
    this.ws.on('close', cb);
  }

  onDrain(cb: () => void): void {
    this.#drain.push(cb);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Choose the subprotocol: `binary` if offered; otherwise none (a client offering only others is refused). */
export function chooseSubprotocol(offered: Set<string>): string | false {
  return offered.has('binary') ? 'binary' : false;
}

/**
 * Serve RFB over WebSocket on an HTTP server. `extraUpgrade` may claim other paths first
 * (returns true if it took the request).
 */
export function attachRfbWebSocket(
  server: http.Server,
  onConnection: (channel: WebSocketChannel) => void,
  options: WebSocketOptions = DEFAULT_WEBSOCKET_OPTIONS,
): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    perMessageDeflate: false, // RFB encodings compress what is worth compressing
    handleProtocols: (offered) => chooseSubprotocol(offered),
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!RFB_WS_PATHS.includes(path)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (options.hostAllowed && !options.hostAllowed(req.headers.host)) {
      options.log?.(hostRefusedLine(req));
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!originAllowed(req.headers.origin, req.headers.host, options.allowOrigins ?? [])) {
      // cross-site WebSocket hijacking: a page elsewhere must not drive this console
      const a = req.socket.remoteAddress ?? '?';
      options.log?.(`ws://${a.includes(':') ? `[${a}]` : a}:${req.socket.remotePort ?? '?'} refused: Origin ${JSON.stringify(req.headers.origin).slice(0, 100)} is not allowed (see --allow-origin)`);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const offered = parseProtocols(req.headers['sec-websocket-protocol']);
    if (offered.size > 0 && !offered.has('binary')) {
      // RFC 6455 §4.2.2: we speak none of the offered subprotocols (e.g. noVNC's old 'base64')
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const disarm = armHandshakeTimer(socket, options.handshakeTimeoutMs ?? 10_000);
    wss.handleUpgrade(req, socket, head, (ws) => {
      disarm();
      onConnection(new WebSocketChannel(ws, req));
    });
  });
  server.on('close', () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  return wss;
}

function parseProtocols(h: string | undefined): Set<string> {
  return new Set((h ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}
