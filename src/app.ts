// Wiring: guest → hypervisor → VGA device → display pipeline → RFB server → transports.
import type net from 'node:net';
import type http from 'node:http';
import { createTracker, type DirtyVramTracker, type TrackingMode } from './hypervisor/dirty-log.js';
import { PortBus } from './hypervisor/io.js';
import { GuestMemory } from './hypervisor/memory.js';
import { VgaDevice } from './vga/vga-device.js';
import { DisplayPipeline, type RefreshMode } from './display/update-pipeline.js';
import { RfbServer, type RfbServerOptions } from './rfb/server.js';
import { GuestRunner, type GuestProgram } from './guest/guest.js';
import { GuestInput } from './guest/input-devices.js';
import { formatAddress, listenTcp } from './transport/tcp.js';
import { listenWeb } from './transport/http.js';
import type { WebSecurityOptions } from './transport/web-security.js';
import { RecencyTracker } from './hypervisor/page-recency.js';
import { pageAlignedBuffer } from './hypervisor/hwtrack-addon.js';
import { I8042 } from './input/i8042.js';
import { Ps2Input } from './input/ps2-input.js';
import type { InputSink } from './rfb/input.js';
import { vbeResize } from './rfb/encodings/pseudo.js';

export interface AppOptions {
  guest: GuestProgram;
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
  rfb?: Partial<RfbServerOptions>;
  /** Origin check, timeouts and TLS for the web port (used by the WebSocket transport). */
  webSecurity?: WebSecurityOptions;
  /** One-line notices such as a tracking fallback (default: stderr). */
  notice?: (line: string) => void;
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
  readonly io = new PortBus();
  readonly mem: GuestMemory;
  readonly tracker: DirtyVramTracker;
  /** The tracker as the device sees it, recording when each page was last reported (heat map). */
  readonly recency: RecencyTracker;
  /** The keyboard controller (ports 0x60/0x64) with its PS/2 keyboard and mouse. */
  readonly kbc = new I8042();
  readonly ps2: Ps2Input;
  readonly device: VgaDevice;
  readonly pipeline: DisplayPipeline;
  readonly input = new GuestInput();
  readonly rfb: RfbServer;
  readonly guest: GuestRunner;
  readonly startedAt = Date.now();
  vncServer: net.Server | null = null;
  webServer: http.Server | null = null;
  vncUrl: string | null = null;
  webUrl: string | null = null;

  constructor(readonly options: AppOptions) {
    if (!Number.isInteger(options.vramMb) || options.vramMb < 1 || options.vramMb > 256) {
      throw new Error(`--vram-mb must be an integer from 1 to 256, got ${options.vramMb}`);
    }
    const vramBytes = options.vramMb * 1024 * 1024;
    // hardware dirty bits need VRAM on pages of its own: a WebAssembly.Memory, as v86 has it
    this.mem = new GuestMemory(vramBytes, options.tracking === 'hw' ? pageAlignedBuffer(vramBytes)?.view : undefined);
    this.tracker = createTracker(this.mem, options.tracking, options.idleDropMs, undefined, options.notice);
    this.recency = new RecencyTracker(this.tracker, this.mem.nrPages);
    this.device = new VgaDevice(this.mem, this.io, this.recency);
    this.pipeline = new DisplayPipeline(this.device, this.recency, {
      refreshIntervalMs: options.refreshIntervalMs,
      mode: options.refreshMode ?? 'event',
    });
    this.kbc.attach(this.io);
    this.ps2 = new Ps2Input(this.kbc, { log: options.log });
    // viewer input reaches the PS/2 devices first, then the GuestInput log (whose listeners act as the IRQ)
    // (the guest runs in its input handlers and timers: each is a run slice the tracker may look after)
    const ran = () => this.tracker.afterGuestRun?.();
    const sink: InputSink = {
      keyEvent: (down, keysym, keycode) => {
        this.ps2.keyEvent(down, keysym, keycode);
        this.input.keyEvent(down, keysym, keycode);
        ran();
      },
      pointerEvent: (mask, x, y) => {
        this.ps2.pointerEvent(mask, x, y);
        this.input.pointerEvent(mask, x, y);
        ran();
      },
      cutText: (text) => {
        this.input.cutText(text);
        ran();
      },
    };
    this.rfb = new RfbServer(this.pipeline, sink, {
      log: options.log,
      desktopName: `vramvnc (${options.guest.name})`,
      resizeDesktop: (w, h, screens) => vbeResize(this.io, this.device.vbe, w, h, screens),
      ...options.rfb,
    });
    this.input.onGuestClipboard((text) => this.rfb.cutText(text));
    this.guest = new GuestRunner(this.io, this.mem, this.input, options.seed, options.durationMs, options.log);
    this.guest.onSliceEnd = ran;
    this.kbc.onIrq = (line) => this.guest.raiseIrq(line); // guests wait for keys instead of polling
  }

  /** Boot the guest, take the first picture, and open the listeners. */
  async start(): Promise<void> {
    await this.guest.run(this.options.guest);
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
      guest: this.options.guest.name,
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
      input: { ...this.input.counters, ps2: { ...this.ps2.counters }, i8042: { ...this.kbc.counters } },
      process: { uptimeMs: Date.now() - this.startedAt, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss },
    };
  }

  async stop(): Promise<void> {
    this.guest.stop();
    this.pipeline.stop();
    this.device.stop();
    this.rfb.closeAll('server shutting down');
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
