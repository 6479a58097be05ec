// The RFB server: one listener of the display pipeline, fanning changes out to its sessions.
import type { DirtyRegion } from '../display/dirty-region.js';
import type { DisplayFeed, DisplayListener } from '../display/update-pipeline.js';
import type { Surface } from '../display/surface.js';
import type { ByteChannel } from './channel.js';
import type { InputSink } from './input.js';
import type { ColourMap } from './encodings/colour-map.js';
import { MoveDetector } from './encodings/move-detect.js';
import { DESKTOP_POINTER, type CursorImage } from './encodings/pseudo.js';
import { BufferPool } from './buffer-pool.js';
import { DeflatePool } from './encodings/deflate-pool.js';
import { EncodeCache, type EncodeCacheOptions } from './encodings/encode-cache.js';
import { admitAtClientInit, pendingSessions, stalestHandshake, type SharePolicy } from './admission.js';
import { hostOf } from './security/backoff.js';
import { isLoopback } from './security/policy.js';
import { DEFAULT_SESSION_OPTIONS, RfbSession, type SessionHost, type SessionOptions } from './session.js';

export interface RfbServerOptions extends SessionOptions {
  desktopName: string;
  /** Established clients (past ClientInit); connections still in the handshake count apart. */
  maxClients: number;
  /**
   * Connections still in the handshake, all hosts together: when full, the one quiet longest
   * makes way for the newcomer (so stalled handshakes cannot lock real viewers out).
   * Default: maxClients.
   */
  maxHandshakes?: number;
  /** What ClientInit's shared-flag may do (QEMU's share=...; default allow-exclusive). */
  share?: SharePolicy;
  /**
   * Connections from one remote host still in the handshake, so that one host cannot take every
   * slot with stalled handshakes (loopback is exempt: local proxies and tools funnel through it).
   */
  maxPendingPerHost: number;
  log: (line: string) => void;
  /** Switch the guest's display mode for SetDesktopSize; returns an ExtendedDesktopSize status. */
  resizeDesktop?: (width: number, height: number, screens: number) => number;
  /** The colour map colour-map clients get (default 3-3-2). */
  colourMap?: ColourMap;
  /** The pointer shape for Cursor clients (default the desktop arrow; null: none). */
  cursor?: CursorImage | null;
  /** Look for scrolls and panning in each update and send CopyRect (default true). */
  detectMoves?: boolean;
  /** Byte budgets of the shared encode cache (encode-cache.ts). */
  encodeCache?: Partial<EncodeCacheOptions>;
  /** Worker threads of this server's deflate pool, beside the main thread (default: one fewer than the cores, at most 3). */
  deflateThreads?: number;
}

export interface RfbServerCounters {
  connections: number;
  updates: number;
  rects: number;
  bytesSent: number;
  rejected: number;
}

export class RfbServer implements DisplayListener {
  readonly sessions = new Set<RfbSession>();
  readonly counters: RfbServerCounters = { connections: 0, updates: 0, rects: 0, bytesSent: 0, rejected: 0 };
  readonly options: RfbServerOptions;
  readonly encodeCache: EncodeCache;
  readonly buffers = new BufferPool();
  readonly moves = new MoveDetector();
  /** This server's deflate threads (its sessions' large zlib rectangles); closed with the server. */
  readonly deflate: DeflatePool;
  #host: SessionHost;

  constructor(readonly pipeline: DisplayFeed, readonly input: InputSink, options: Partial<RfbServerOptions> = {}) {
    this.options = { ...DEFAULT_SESSION_OPTIONS, desktopName: 'vramvnc', maxClients: 100, maxPendingPerHost: 10, log: () => {}, ...options };
    this.encodeCache = new EncodeCache(this.options.encodeCache);
    this.deflate = new DeflatePool(this.options.deflateThreads);
    const server = this;
    this.#host = {
      get surface() {
        return pipeline.surface;
      },
      // the guest's keyboard LEDs now: a client that asks for LED state later is told them at once
      get leds() {
        return server.leds;
      },
      desktopName: this.options.desktopName,
      input,
      options: this.options,
      want: () => pipeline.want(),
      refreshIfStale: () => pipeline.refreshIfStale(),
      admit: (session, shared) => admitAtClientInit(session, shared, this.sessions, { share: this.options.share ?? 'allow-exclusive', maxClients: this.options.maxClients }),
      log: (line) => this.options.log(line),
      // one client alone has nobody to share with: its bytes are not copied into the cache
      get encodeCache() {
        return server.sessions.size > 1 ? server.encodeCache : undefined;
      },
      buffers: this.buffers,
      deflate: this.deflate,
      colourMap: this.options.colourMap,
      cursor: this.options.cursor === undefined ? DESKTOP_POINTER : this.options.cursor,
      resizeDesktop: this.options.resizeDesktop,
      countUpdate(bytes, rects) {
        server.counters.updates++;
        server.counters.rects += rects;
        server.counters.bytesSent += bytes;
      },
    };
    pipeline.addListener(this);
  }

  /** Start a session on a new connection (any transport). */
  accept(channel: ByteChannel): RfbSession | null {
    this.counters.connections++;
    const pendingAll = pendingSessions(this.sessions);
    const established = this.sessions.size - pendingAll.length;
    if (established >= this.options.maxClients) {
      this.counters.rejected++;
      this.options.log(`${channel.remoteAddress} refused: already ${established} clients (max ${this.options.maxClients})`);
      channel.destroy();
      return null;
    }
    const host = hostOf(channel.remoteAddress);
    let pending = 0;
    for (const s of pendingAll) if (hostOf(s.remoteAddress) === host) pending++;
    if (pending >= this.options.maxPendingPerHost && !isLoopback(host)) {
      this.counters.rejected++;
      this.options.log(`${channel.remoteAddress} refused: ${pending} connections from ${host} still in the handshake (max ${this.options.maxPendingPerHost})`);
      channel.destroy();
      return null;
    }
    const maxHandshakes = this.options.maxHandshakes ?? this.options.maxClients;
    if (pendingAll.length >= maxHandshakes) {
      // handshakes are full: the quietest makes way (a real viewer's handshake takes milliseconds)
      stalestHandshake(pendingAll)?.close(`handshake dropped: ${pendingAll.length} handshakes in progress (max ${maxHandshakes}) and this one the quietest`);
    }
    // the session logs one line when the connection ends (address, version, security, reason)
    const session = new RfbSession(channel, this.#host);
    this.sessions.add(session);
    session.onClose(() => {
      this.sessions.delete(session);
      this.encodeCache.forget(session.encoders); // what only it asked for (its cache owner is its EncoderSet)
    });
    return session;
  }

  onResize(surface: Surface): void {
    this.encodeCache.invalidate();
    this.moves.reset();
    let asked = false;
    for (const s of this.sessions) asked ||= s.resizeRequested;
    for (const s of this.sessions) s.onResize(surface, asked && !s.resizeRequested);
  }

  onUpdate(region: DirtyRegion, surface?: Surface): void {
    this.encodeCache.invalidate();
    const s = surface ?? this.pipeline.surface;
    let copyClients = false;
    for (const session of this.sessions) copyClients ||= session.supportsCopyRect;
    const move = this.options.detectMoves !== false && copyClients ? this.moves.detect(region, s) : null;
    for (const session of this.sessions) session.onUpdate(region, move);
    if (this.options.detectMoves !== false) this.moves.commit(region, s);
  }

  wantsUpdate(): boolean {
    for (const s of this.sessions) if (s.wantsUpdate()) return true;
    return false;
  }

  /** The guest keyboard's LEDs (the i8042's 0xED command), for QEMU LED state clients. */
  leds = 0;

  setLeds(leds: number): void {
    if (leds === this.leds) return;
    this.leds = leds;
    for (const s of this.sessions) s.onLeds(leds);
  }

  /** The guest's clipboard changed: tell every client (ServerCutText). */
  cutText(text: string): void {
    for (const s of this.sessions) s.sendCutText(text);
  }

  closeAll(reason: string): void {
    for (const s of this.sessions) s.close(reason);
  }

  /** The server stops: every session closes, the deflate workers end. */
  async close(reason: string): Promise<void> {
    this.closeAll(reason);
    await this.deflate.close();
  }
}
