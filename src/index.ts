// vramvnc as a library: serve any DisplaySource over VNC (TCP, and WebSocket + the viewer on the web
// port), with the ready-made sources (an RGBA framebuffer you draw into; the emulated VMs).
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type net from 'node:net';
import { DisplayPipeline, type RefreshMode } from './display/update-pipeline.js';
import type { DisplaySource } from './display/source.js';
import { RfbServer, type RfbServerOptions } from './rfb/server.js';
import type { RfbSession } from './rfb/session.js';
import type { InputSink } from './rfb/input.js';
import { RfbProtocolError } from './rfb/errors.js';
import { isLoopback, SecurityPolicy } from './rfb/security/policy.js';
import { formatAddress, listenTcp } from './transport/tcp.js';
import { listenWeb } from './transport/http.js';
import { DEFAULT_WEB_SECURITY } from './transport/web-security.js';
import type { Surface } from './display/surface.js';

export type { DisplaySource, SourceUpdate, CursorShape } from './display/source.js';
export { FramebufferSource } from './display/framebuffer-source.js';
export { DirtyRegion } from './display/dirty-region.js';
export { Surface, type Rect } from './display/surface.js';
export type { InputSink } from './rfb/input.js';
export type { RfbSession } from './rfb/session.js';
export { RfbProtocolError, type RfbErrorCode } from './rfb/errors.js';
export { VramVnc, DEFAULT_APP_OPTIONS, type AppOptions } from './app.js';
export type { Machine } from './machine/machine.js';
export { MachineOptionError } from './machine/machine.js';
export { ScriptedMachine, type ScriptedMachineOptions } from './machine/scripted.js';
export { createV86Machine, V86Machine, type V86MachineOptions } from './machine/v86/machine.js';
export { resolveGuest, GUEST_NAMES } from './guest/programs.js';
export { VgaDisplay } from './vga/vga-display.js';

export interface Endpoint {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface VncServerOptions {
  source: DisplaySource;
  /** Where viewers' keys, pointer and clipboard go (default: nowhere). */
  input?: InputSink;
  listen: { vnc?: Endpoint; web?: Endpoint };
  security?: {
    /** Require VNC Authentication with this password (first 8 bytes count), and HTTP Basic on the web port. */
    password?: string;
    /** Listen beyond loopback without a password. */
    insecureNoAuth?: boolean;
  };
  limits?: Partial<Pick<RfbServerOptions, 'maxClients' | 'maxCutText' | 'maxOutputBytes' | 'stallTimeoutMs' | 'handshakeTimeoutMs'>>;
  /** Worker threads this server's deflate pool may use for large zlib rectangles, beside the main thread (0: none; default one fewer than the cores, at most 3). Each server has its own pool, closed with it. */
  deflateThreads?: number;
  /** How the server learns of changes: the source's doorbell (event, default) or polling every intervalMs. */
  refresh?: { mode?: RefreshMode; intervalMs?: number };
  desktopName?: string;
  /** One line per connection and per refused client (default: none). */
  log?: (line: string) => void;
}

export interface VncServerEvents {
  connection: [session: RfbSession];
  /** A session ended: with its coded protocol error, or null for an orderly close. */
  close: [session: RfbSession, error: RfbProtocolError | null];
  error: [error: Error];
}

/** A library option that is wrong: names the option. */
export class VncServerOptionError extends Error {
  readonly code = 'VNC_BAD_OPTION';
  constructor(readonly option: string, message: string) {
    super(message);
  }
}

const NO_INPUT: InputSink = { keyEvent() {}, pointerEvent() {}, cutText() {} };

export class VncServer extends EventEmitter<VncServerEvents> {
  readonly pipeline: DisplayPipeline;
  readonly rfb: RfbServer;
  vncUrl: string | null = null;
  webUrl: string | null = null;
  #servers: (net.Server | http.Server)[] = [];

  constructor(readonly source: DisplaySource, options: VncServerOptions) {
    super();
    const log = options.log ?? (() => {});
    const password = options.security?.password;
    if (password !== undefined && (typeof password !== 'string' || password.length === 0)) {
      throw new VncServerOptionError('security.password', 'security.password must be a non-empty string');
    }
    const pw = password === undefined ? null : Buffer.from(password, 'latin1');
    const threads = options.deflateThreads;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 8)) {
      throw new VncServerOptionError('deflateThreads', `deflateThreads must be an integer 0..8, got ${threads}`);
    }
    for (const [name, e] of Object.entries(options.listen)) {
      if (!e) continue;
      if (!Number.isInteger(e.port) || e.port < 0 || e.port > 65535) throw new VncServerOptionError(`listen.${name}.port`, `listen.${name}.port must be 0..65535, got ${e.port}`);
      if (!pw && !options.security?.insecureNoAuth && !isLoopback(e.host ?? '127.0.0.1')) {
        throw new VncServerOptionError(`listen.${name}.host`, `refusing to listen on ${e.host} without security.password (or security.insecureNoAuth)`);
      }
    }
    this.pipeline = new DisplayPipeline(source, { refreshIntervalMs: options.refresh?.intervalMs ?? 30, mode: options.refresh?.mode ?? 'event' });
    this.rfb = new RfbServer(this.pipeline, options.input ?? NO_INPUT, {
      desktopName: options.desktopName ?? 'vramvnc',
      log,
      security: new SecurityPolicy({ password: pw }),
      resizeDesktop: source.requestResize ? (w, h, screens) => source.requestResize!(w, h, screens) : undefined,
      deflateThreads: options.deflateThreads,
      ...options.limits,
    });
    this.#options = options;
    this.#web = {
      options: { webSecurity: { ...DEFAULT_WEB_SECURITY, password: pw }, log },
      device: { screenshot: () => this.screenshot() },
      recency: { snapshot: () => ({}) },
      rfb: this.rfb,
      stats: () => this.stats(),
    };
  }

  readonly #options: VncServerOptions;
  readonly #web;

  /** Take the first picture and open the listeners. */
  async listen(): Promise<this> {
    this.pipeline.refresh();
    const { vnc, web } = this.#options.listen;
    try {
      if (vnc) {
        const s = await listenTcp(vnc.host ?? '127.0.0.1', vnc.port, (ch) => this.#accept(this.rfb.accept(ch)));
        this.#servers.push(s);
        this.vncUrl = formatAddress(s, 'vnc');
      }
      if (web) {
        const s = await listenWeb(web.host ?? '127.0.0.1', web.port, this.#web);
        this.#servers.push(s);
        this.webUrl = formatAddress(s, 'http', '/');
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    for (const s of this.#servers) s.on('error', (err) => this.emit('error', err));
    return this;
  }

  #accept(session: RfbSession | null): void {
    if (!session) return;
    this.emit('connection', session);
    session.onClose(() => this.emit('close', session, session.closeError));
  }

  /** The source's surface now (what /screenshot.png serves). */
  screenshot(): Surface {
    return this.source.surface;
  }

  stats(): object {
    return {
      width: this.source.surface.width,
      height: this.source.surface.height,
      source: this.source.counters,
      pipeline: { ...this.pipeline.counters },
      clients: [...this.rfb.sessions].map((s) => ({ address: s.remoteAddress, state: s.state, encoding: s.encodingName })),
      ...this.rfb.counters,
    };
  }

  async close(): Promise<void> {
    this.pipeline.stop();
    await this.rfb.close('server shutting down');
    await Promise.all(
      this.#servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            (s as http.Server).closeAllConnections?.();
          }),
      ),
    );
    this.#servers = [];
  }
}

/** Serve a DisplaySource: resolves once listening (see vncUrl / webUrl). */
export async function createVncServer(options: VncServerOptions): Promise<VncServer> {
  return new VncServer(options.source, options).listen();
}

