// Wiring: guest → hypervisor → VGA device → display pipeline → RFB server → transports.
import type net from 'node:net';
import type http from 'node:http';
import type { DirtyVramTracker, TrackingMode } from './hypervisor/dirty-log.js';
import { DisplayPipeline, type RefreshMode } from './display/update-pipeline.js';
import { RfbServer, type RfbServerOptions } from './rfb/server.js';
import type { GuestProgram } from './guest/guest.js';
import { formatAddress, listenTcp } from './transport/tcp.js';
import { listenWeb } from './transport/http.js';
import type { WebSecurityOptions } from './transport/web-security.js';
import type { RecencyTracker } from './hypervisor/page-recency.js';
import type { VgaDevice } from './vga/vga-device.js';
import type { Machine } from './machine/machine.js';
import { ScriptedMachine } from './machine/scripted.js';
import { VgaDisplay } from './vga/vga-display.js';

export interface AppOptions {
  /** The machine running the guest; without one, a scripted machine runs `guest`. */
  machine?: Machine;
  /** The scripted guest program (when no machine is given). */
  guest?: GuestProgram;
  seed: number;
  durationMs: number | null;
  tracking: TrackingMode;
  idleDropMs: number;
  vramMb: number;
  refreshIntervalMs: number;
  /** How the refresher learns of changes: the tracker's doorbell (event) or Xen-style polling. */
  refreshMode?: RefreshMode;
  vnc: { host: string; port: number } | null;
  web: { host: string; port: number } | null;
  log: (line: string) => void;
  /** One-line notices such as a tracking fallback (default: stderr). */
  notice?: (line: string) => void;
  rfb?: Partial<RfbServerOptions>;
  /** Origin check, timeouts and TLS for the web port (used by the WebSocket transport). */
  webSecurity?: WebSecurityOptions;
}

export const DEFAULT_APP_OPTIONS = {
  seed: 1,
  durationMs: null,
  tracking: 'dirty' as TrackingMode,
  idleDropMs: 2000,
  vramMb: 8,
  refreshIntervalMs: 30,
  refreshMode: 'event' as RefreshMode,
};

/** One emulated VM display and everything serving it. */
export class VramVnc {
  readonly machine: Machine;
  /** The machine's VGA device as the display pipeline sees it. */
  readonly display: VgaDisplay;
  readonly pipeline: DisplayPipeline;
  readonly rfb: RfbServer;
  readonly startedAt = Date.now();
  vncServer: net.Server | null = null;
  webServer: http.Server | null = null;
  vncUrl: string | null = null;
  webUrl: string | null = null;

  constructor(readonly options: AppOptions) {
    if (options.machine) this.machine = options.machine;
    else {
      if (!options.guest) throw new Error('VramVnc needs a machine or a guest');
      this.machine = new ScriptedMachine({ ...options, guest: options.guest, log: options.log, notice: options.notice });
    }
    const m = this.machine;
    this.display = new VgaDisplay(m.device, m.recency, m.resizeDesktop ? (w, h, screens) => m.resizeDesktop!(w, h, screens) : undefined);
    this.pipeline = new DisplayPipeline(this.display, {
      refreshIntervalMs: options.refreshIntervalMs,
      mode: options.refreshMode ?? 'event',
      minIntervalMs: m.refreshMinIntervalMs,
    });
    this.rfb = new RfbServer(this.pipeline, m.input, {
      log: options.log,
      desktopName: `vramvnc (${m.name})`,
      resizeDesktop: this.display.requestResize ? (w, h, screens) => this.display.requestResize!(w, h, screens) : undefined,
      ...options.rfb,
    });
    m.onGuestClipboard?.((text) => this.rfb.cutText(text));
    m.onKeyboardLeds?.((leds) => this.rfb.setLeds(leds)); // QEMU LED state for viewers that ask
  }

  get device(): VgaDevice {
    return this.machine.device;
  }
  get tracker(): DirtyVramTracker {
    return this.machine.tracker;
  }
  /** The tracker as the device sees it, recording when each page was last reported dirty (heat map). */
  get recency(): RecencyTracker {
    return this.machine.recency;
  }
  /** The scripted machine (tests drive its memory, ports and input directly). */
  get scripted(): ScriptedMachine {
    if (!(this.machine instanceof ScriptedMachine)) throw new Error('not a scripted machine');
    return this.machine;
  }
  get mem() {
    return this.scripted.mem;
  }
  get io() {
    return this.scripted.io;
  }
  get kbc() {
    return this.scripted.kbc;
  }
  get ps2() {
    return this.scripted.ps2;
  }
  get input() {
    return this.scripted.guestInput;
  }
  get guest() {
    return this.scripted.guest;
  }

  /** Boot the guest, take the first picture, and open the listeners. */
  async start(): Promise<void> {
    await this.machine.start();
    this.pipeline.refresh();
    try {
      if (this.options.vnc) {
        this.vncServer = await listenTcp(this.options.vnc.host, this.options.vnc.port, (ch) => this.rfb.accept(ch));
        this.vncUrl = formatAddress(this.vncServer, 'vnc');
      }
      if (this.options.web) {
        this.webServer = await listenWeb(this.options.web.host, this.options.web.port, this);
        this.webUrl = formatAddress(this.webServer, this.options.webSecurity?.tls ? 'https' : 'http', '/');
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** What /stats reports. */
  stats(): object {
    const cpu = process.cpuUsage();
    const mode = this.device.currentMode; // the registers now: current even when no viewer refreshes
    return {
      guest: this.machine.name,
      mode: mode.name,
      width: mode.width,
      height: mode.height,
      tracking: {
        mode: this.tracker.mode,
        refresh: this.pipeline.mode,
        state: this.tracker.state,
        idleDropMs: this.options.idleDropMs,
        lastDropAt: toWallClock(this.tracker.lastDropAt),
        lastRearmAt: toWallClock(this.tracker.lastRearmAt),
        ...this.tracker.counters,
      },
      device: { ...this.device.counters },
      pipeline: { ...this.pipeline.counters },
      clients: [...this.rfb.sessions].map((s) => ({
        address: s.remoteAddress,
        state: s.state,
        encoding: s.encodingName,
        updates: s.counters.updates,
        bytesSent: s.counters.bytesSent,
        pendingChunks: s.pendingChunks,
      })),
      updates: this.rfb.counters.updates,
      rects: this.rfb.counters.rects,
      bytesSent: this.rfb.counters.bytesSent,
      connections: this.rfb.counters.connections,
      ...this.machine.stats(),
      process: { uptimeMs: Date.now() - this.startedAt, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss },
    };
  }

  async stop(): Promise<void> {
    await this.machine.stop();
    this.pipeline.stop();
    this.device.stop();
    await this.rfb.close('server shutting down');
    this.tracker.close?.();
    const close = (s: net.Server | http.Server | null) =>
      new Promise<void>((resolve) => {
        if (!s) return resolve();
        s.close(() => resolve());
        (s as http.Server).closeAllConnections?.();
      });
    await Promise.all([close(this.vncServer), close(this.webServer)]);
  }
}

/** Convert a performance.now() time into an ISO wall-clock time. */
function toWallClock(t: number | null): string | null {
  if (t === null) return null;
  return new Date(performance.timeOrigin + t).toISOString();
}
