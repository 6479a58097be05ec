// `vramvnc bench latency`: time from a guest store to those pixels decoded at a client, per
// tracking mode and refresh mode, for a small change and a full-screen change, from armed
// tracking and from the dropped state.
import { RfbClient } from '../../client/headless/rfb-client.js';
import { VramVnc, DEFAULT_APP_OPTIONS } from '../app.js';
import type { RefreshMode } from '../display/update-pipeline.js';
import { Fb32, setVbeMode, type GuestProgram } from '../guest/guest.js';
import type { TrackingMode } from '../hypervisor/dirty-log.js';
import { summarize, table } from './stats.js';

export interface LatencyOptions {
  samples: number;
  modes: string[];
  log: (line: string) => void;
}

export interface LatencyResult {
  mode: string;
  change: 'small' | 'full';
  from: 'armed' | 'dropped';
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const W = 1024;
const H = 768;
const blank: GuestProgram = {
  name: 'latency',
  start(ctx) {
    setVbeMode(ctx.io, W, H, 32);
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Store, then wait until the client shows the new colour at (x, y); returns ms. */
async function oneSample(app: VramVnc, fb: Fb32, c: RfbClient, full: boolean, colour: number, x: number, y: number): Promise<number> {
  const o = (y * c.width + x) * 4;
  const shows = () => c.fb.rgba[o] === ((colour >>> 16) & 255) && c.fb.rgba[o + 1] === ((colour >>> 8) & 255) && c.fb.rgba[o + 2] === (colour & 255);
  const t0 = performance.now();
  // one run slice of the guest (a tracker that cannot see stores looks after each)
  app.guest.slice(() => (full ? fb.fillRect(0, 0, W, H, colour) : fb.fillRect(x, y, 8, 8, colour)));
  while (!shows()) await c.nextUpdate(5000);
  return performance.now() - t0;
}

export async function benchLatencyMode(mode: string, o: LatencyOptions): Promise<LatencyResult[]> {
  const [tracking, refresh = 'poll'] = mode.split('/') as [TrackingMode, RefreshMode?];
  const idleDropMs = 50; // short, so that "from dropped" samples do not take two seconds each
  const app = new VramVnc({
    ...DEFAULT_APP_OPTIONS,
    guest: blank,
    tracking,
    refreshMode: refresh,
    idleDropMs,
    vnc: { host: '127.0.0.1', port: 0 },
    web: null,
    log: () => {},
  });
  await app.start();
  const out: LatencyResult[] = [];
  try {
    const c = await RfbClient.connect(app.vncUrl!);
    await c.waitFirstFrame();
    const fb = new Fb32(app.mem, W, H);
    let colour = 0x100000;
    let seed = 1;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (const change of ['small', 'full'] as const) {
      for (const from of ['armed', 'dropped'] as const) {
        if (from === 'dropped' && tracking !== 'dirty' && tracking !== 'hw') continue;
        const samples: number[] = [];
        const n = change === 'full' ? Math.max(10, Math.floor(o.samples / 4)) : o.samples;
        for (let i = 0; i < n; i++) {
          if (from === 'dropped') {
            const deadline = performance.now() + 5000;
            while (app.tracker.state !== 'dropped' && performance.now() < deadline) await sleep(idleDropMs / 2);
          } else await sleep(rnd(idleDropMs / 2)); // stores keep coming: tracking stays armed
          colour = (colour + 0x010203) & 0xffffff;
          samples.push(await oneSample(app, fb, c, change === 'full', colour, rnd(W - 8), rnd(H - 8)));
        }
        out.push({ mode: app.tracker.mode === tracking ? mode : `${mode} (ran ${app.tracker.mode})`, change, from, ...summarize(samples) });
      }
    }
    c.close();
  } finally {
    await app.stop();
  }
  return out;
}

export async function benchLatency(o: LatencyOptions): Promise<LatencyResult[]> {
  const all: LatencyResult[] = [];
  for (const m of o.modes) {
    o.log(`bench latency: ${m}...`);
    all.push(...(await benchLatencyMode(m, o)));
  }
  return all;
}

export function formatLatencyTable(rs: LatencyResult[]): string {
  return [
    'time from a guest store to the pixels decoded at a client on loopback (ms); 1024x768x32, Raw; small = 8x8 fill, full = whole screen',
    table(
      ['mode', 'change', 'from', 'n', 'p50', 'p95', 'p99', 'max'],
      rs.map((r) => [r.mode, r.change, r.from, String(r.n), r.p50.toFixed(2), r.p95.toFixed(2), r.p99.toFixed(2), r.max.toFixed(2)]),
    ),
  ].join('\n');
}
