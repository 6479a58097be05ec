// Guards for the web port (used by http.ts and websocket.ts): the Origin check against cross-site
// WebSocket hijacking, HTTP and upgrade handshake timeouts, the TLS certificate for https/wss, and
// HTTP Basic authentication with the VNC password for the screenshot and stats.
import crypto from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { AuthBackoff } from '../rfb/security/backoff.js';
import { PasswordGate } from '../rfb/security/password-gate.js';
import type { TlsCredentials } from '../rfb/security/tls.js';

export interface WebSecurityOptions {
  /**
   * Origins allowed besides the page's own host ("https://example.com", or "*" for any).
   * By default only an Origin whose host:port is the request's Host is accepted.
   */
  allowOrigins: string[];
  /**
   * Host header names accepted besides the default ones (localhost, *.localhost, IP addresses and
   * the listen address): "name", ".example.com" for it and its subdomains, "*" for any.
   */
  allowHosts?: string[];
  /** Close a connection whose HTTP upgrade (or RFB handshake) is not done within this long. */
  handshakeTimeoutMs: number;
  /** Serve https:// and wss:// with this certificate (the same as VeNCrypt's). */
  tls: TlsCredentials | null;
  /**
   * The VNC password: when set, /screenshot.png and /stats* ask for it with HTTP Basic
   * authentication (any user name). The viewer's static files stay open; RFB over WebSocket
   * authenticates in the RFB handshake.
   */
  password?: Uint8Array | null;
}

export const DEFAULT_WEB_SECURITY: WebSecurityOptions = {
  password: null,
  allowOrigins: [],
  handshakeTimeoutMs: 10_000,
  tls: null,
};

/** Normalise "https://Example.com:443/" to "https://example.com" (default ports dropped). */
export function normaliseOrigin(origin: string): string | null {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.origin.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether a WebSocket upgrade with this Origin header may proceed. No Origin header means a
 * non-browser client (browsers always send one), which cross-site hijacking cannot come from.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowOrigins: readonly string[]): boolean {
  if (origin === undefined || origin === '') return true;
  if (allowOrigins.includes('*')) return true;
  const o = normaliseOrigin(origin);
  if (o === null) return false; // "null" (sandboxed frames, file://) and anything unparsable
  if (host !== undefined) {
    const oHost = new URL(o).host;
    if (oHost === host.toLowerCase() || oHost === new URL(`http://${host}`).host.toLowerCase()) return true;
  }
  return allowOrigins.some((a) => normaliseOrigin(a) === o);
}

/**
 * Whether a request's Host header names this server, against DNS rebinding: a page on
 * attacker.example whose name is made to resolve to 127.0.0.1 passes the Origin check (its
 * Origin matches its Host) but its Host is attacker.example. Accepted: no Host (not a browser),
 * an IP address (no name to rebind), localhost and *.localhost, the listen address, and
 * `allowHosts` ("name", ".domain" for it and its subdomains, "*" for any). The port is not
 * looked at.
 */
export function hostAllowed(hostHeader: string | undefined, allowHosts: readonly string[], listenHost: string): boolean {
  if (hostHeader === undefined || hostHeader === '') return true;
  if (allowHosts.includes('*')) return true;
  let name: string;
  try {
    name = new URL(`http://${hostHeader}`).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  if (name.startsWith('[') || net.isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === listenHost.toLowerCase().replace(/^\[|\]$/g, '')) return true;
  return allowHosts.some((a) => {
    const h = a.toLowerCase();
    return h.startsWith('.') ? name === h.slice(1) || name.endsWith(h) : name === h;
  });
}

/** The log line for a request refused by hostAllowed(). */
export function hostRefusedLine(req: http.IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '?';
  return `${a.includes(':') ? `[${a}]` : a}:${req.socket.remotePort ?? '?'} refused: Host ${JSON.stringify(req.headers.host ?? '').slice(0, 100)} is not a name of this server (DNS rebinding?); see --allow-host`;
}

/** Bound the HTTP side: headers and whole requests must arrive within the handshake timeout. */
export function applyHttpTimeouts(server: http.Server, handshakeTimeoutMs: number): void {
  server.headersTimeout = handshakeTimeoutMs;
  server.requestTimeout = handshakeTimeoutMs;
}

/**
 * Options for http/https.createServer. Node checks headersTimeout/requestTimeout from an interval
 * that runs while the server listens (every connectionsCheckingInterval), which would wake an
 * idle server; so those checks are pushed out of the way and guardHttpConnections() enforces
 * the same bound with one timer per connection that is still sending its request.
 */
export function httpServerTimeouts(handshakeTimeoutMs: number): http.ServerOptions {
  return {
    headersTimeout: handshakeTimeoutMs,
    requestTimeout: handshakeTimeoutMs,
    connectionsCheckingInterval: 2 ** 31 - 1,
  };
}

/**
 * Drop a connection whose request (headers, or the WebSocket upgrade) has not arrived within
 * ms of connecting or of the previous response: slow-header clients cannot hold sockets, and
 * nothing runs while no connection is pending.
 */
export function guardHttpConnections(server: http.Server, ms: number, tls: boolean): void {
  const timers = new WeakMap<Duplex, NodeJS.Timeout>();
  const arm = (socket: Duplex) => {
    disarm(socket);
    const t = setTimeout(() => socket.destroy(), ms);
    t.unref();
    timers.set(socket, t);
  };
  const disarm = (socket: Duplex) => {
    const t = timers.get(socket);
    if (t) clearTimeout(t);
    timers.delete(socket);
  };
  const onConnection = (socket: Duplex) => {
    arm(socket);
    socket.once('close', () => disarm(socket));
  };
  // over TLS, requests arrive on the TLS socket (the TLS handshake has its own handshakeTimeout)
  server.on(tls ? 'secureConnection' : 'connection', onConnection);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    disarm(req.socket);
    // a kept-alive socket gets the same bound for its next request
    res.once('finish', () => {
      if (!req.socket.destroyed) arm(req.socket);
    });
  });
  server.on('upgrade', (req: http.IncomingMessage) => disarm(req.socket));
}

/**
 * Destroy `socket` unless the returned disarm function is called within ms (e.g. between the
 * 'upgrade' event and ws's handleUpgrade callback).
 */
export function armHandshakeTimer(socket: Duplex, ms: number, onTimeout?: () => void): () => void {
  const t = setTimeout(() => {
    onTimeout?.();
    socket.destroy();
  }, ms);
  t.unref();
  const disarm = () => clearTimeout(t);
  socket.once('close', disarm);
  return disarm;
}

/** Paths that need the password when one is set (the viewer's own files stay open). */
export function needsPassword(pathname: string): boolean {
  return pathname === '/screenshot.png' || pathname === '/stats' || pathname.startsWith('/stats/') || pathname === '/type';
}

const CHALLENGE = { 'www-authenticate': 'Basic realm="vramvnc", charset="UTF-8"', 'content-type': 'text/plain' };

function challenge(res: http.ServerResponse): void {
  if (!res.headersSent && !res.destroyed) res.writeHead(401, CHALLENGE).end('the VNC password is needed (HTTP Basic authentication, any user name)\n');
}

/** A gate for a web port whose RFB server has none (no password there). */
export function ownGate(): PasswordGate {
  return new PasswordGate(new AuthBackoff(), 500);
}

/**
 * HTTP Basic for the paths that need the password, judged by `gate`: a request without
 * credentials gets the challenge at once (a browser asks its user then: not a guess); a wrong
 * password, or any from a blocked host, gets the same 401 after the gate's fixed delay; the
 * right one goes on to `next`. Refusals are logged.
 */
export function requirePassword(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  password: Uint8Array | null | undefined,
  gate: PasswordGate,
  log: (line: string) => void,
  next: () => void,
): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (!password || !needsPassword(path)) return next();
  const header = req.headers.authorization;
  if (header === undefined) return challenge(res);
  const a = req.socket.remoteAddress ?? '?';
  const address = `${a.includes(':') ? `[${a}]` : a}:${req.socket.remotePort ?? '?'}`;
  let pending = true; // the right password is answered at once, inside attempt()
  let cancel = () => {};
  const onClose = () => cancel();
  cancel = gate.attempt(address, () => basicAuthOk(header, password), (v) => {
    pending = false;
    res.off('close', onClose);
    if (v.ok) return next();
    log(`${address} HTTP ${path} refused: ${v.detail}`);
    challenge(res);
  });
  if (pending) res.once('close', onClose);
}

/**
 * Whether an HTTP request carries the password (Basic authentication, any user name). VNC
 * passwords are at most 8 bytes, so both sides are compared as their first 8 bytes, in
 * constant time.
 */
export function basicAuthOk(header: string | undefined, password: Uint8Array): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  const given = m ? Buffer.from(m[1]!, 'base64').toString('latin1') : '';
  const colon = given.indexOf(':');
  const pass = Buffer.alloc(8);
  Buffer.from(colon >= 0 ? given.slice(colon + 1) : '', 'latin1').copy(pass, 0, 0, 8);
  const want = Buffer.alloc(8);
  Buffer.from(password).copy(want, 0, 0, 8);
  return crypto.timingSafeEqual(pass, want) && m !== null && colon >= 0;
}
