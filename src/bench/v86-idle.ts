// `vramvnc bench v86-idle`: the idle Linux prompt on the v86 machine, one server process per tracking
// backend, all booted and measured at the same time (the same windows on the same cores: load from other
// processes falls on every row alike), one viewer each. Per window: CPU of each server's process tree, its
// refresher's wake-ups, its tracker's queries and re-arms, the harvests of v86's bitmap. Then one
// keystroke each: the tracker re-arms and the viewer sees the echo.
import os from 'node:os';
import { Screen } from '../../client/screen/session.js';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { EncodingType } from '../rfb/wire/encodings.js';
import { sampleProcess, type ProcSample } from './proc.js';
import { bootTime, idleCells, idleCounters, startOurs, type Running, type V86IdleCounters } from './v86.js';
import { median, table } from './stats.js';

export interface V86IdleOptions {
  guests: string;
  trackings: string[];
  settleSeconds: number;
  seconds: number;
  repeat: number;
  log: (line: string) => void;
}

/** Counters over all windows (the state: before the first and after the last). */
export interface V86IdleRow extends V86IdleCounters {
  server: string;
  bootS: number;
  /** CPU % of one core over each window */
  cpuPct: number[];
  /** over all windows */
  contextSwitchesPerS: number;
  /** the keystroke after the windows: re-arms it caused, ms until the viewer's first update */
  keyRearms: number;
  keyToUpdateMs: number;
}

export interface V86IdleResult {
  rows: V86IdleRow[];
  /** the host's 1-minute load average at the end of each window */
  load1: number[];
}

interface Server {
  r: Running;
  screen: Screen;
  bootS: number;
}

export async function benchV86Idle(o: V86IdleOptions): Promise<V86IdleResult> {
  const servers: Server[] = [];
  try {
    // boot one after another (two cores), then let them all sit
    for (const tracking of o.trackings) {
      const r = await startOurs('linux', o.guests, undefined, tracking);
      const client = await RfbClient.connect(r.url, { timeoutMs: 120_000, encodings: [EncodingType.ZRLE, EncodingType.CopyRect, EncodingType.DesktopSize, EncodingType.LastRect] });
      await client.waitFirstFrame(120_000);
      const screen = new Screen(client);
      servers.push({ r, screen, bootS: await bootTime(r, screen, 640) });
      o.log(`${r.name}: still after ${servers.at(-1)!.bootS.toFixed(1)} s`);
    }
    await new Promise((res) => setTimeout(res, o.settleSeconds * 1000));
    const first = await Promise.all(servers.map((s) => s.r.stats!()));
    const cpu: number[][] = servers.map(() => []);
    const load1: number[] = [];
    let p0: ProcSample[] = servers.map((s) => sampleProcess(s.r.pid));
    const start = p0.map((p) => p);
    for (let w = 0; w < o.repeat; w++) {
      await new Promise((res) => setTimeout(res, o.seconds * 1000));
      const p1 = servers.map((s) => sampleProcess(s.r.pid));
      p1.forEach((b, i) => cpu[i]!.push(((b.cpuMs - p0[i]!.cpuMs) / (b.at - p0[i]!.at)) * 100));
      load1.push(os.loadavg()[0]!);
      o.log(`window ${w + 1}: ${servers.map((s, i) => `${s.r.name} ${cpu[i]!.at(-1)!.toFixed(2)}%`).join(', ')}; load ${load1.at(-1)!.toFixed(2)}`);
      p0 = p1;
    }
    const last = await Promise.all(servers.map((s) => s.r.stats!()));
    const rows: V86IdleRow[] = [];
    for (const [i, s] of servers.entries()) {
      const t0 = performance.now();
      await s.screen.waitChange(() => s.screen.sendKey('x'), { timeoutMs: 20_000 });
      const keyToUpdateMs = performance.now() - t0;
      const keyRearms = idleCounters(last[i], await s.r.stats!()).rearms;
      await s.screen.waitStill({ stillMs: 300, timeoutMs: 10_000 });
      await s.screen.waitChange(() => s.screen.sendKey('backspace'), { timeoutMs: 20_000 });
      rows.push({
        server: s.r.name,
        bootS: s.bootS,
        cpuPct: cpu[i]!,
        contextSwitchesPerS: (p0[i]!.contextSwitches - start[i]!.contextSwitches) / ((p0[i]!.at - start[i]!.at) / 1000),
        ...idleCounters(first[i], last[i]),
        keyRearms,
        keyToUpdateMs,
      });
    }
    return { rows, load1 };
  } finally {
    for (const s of servers) {
      await s.screen.close();
      await s.r.stop();
    }
  }
}

export function formatV86Idle(res: V86IdleResult, o: Pick<V86IdleOptions, 'seconds' | 'repeat'>): string {
  return [
    `${o.repeat} windows of ${o.seconds} s, every server measured in the same windows; load average (1 min) after each: ${res.load1.map((l) => l.toFixed(2)).join(', ')}`,
    '',
    table(
      ['server', 'boot s', 'CPU % median', 'every window', 'ctxsw/s', 'guest slices', 'refresher wake-ups', 'queries', 're-arms', 'harvests', 'tracking', 'key: re-arms', 'key→update ms'],
      res.rows.map((r) => [
        r.server,
        r.bootS.toFixed(1),
        median(r.cpuPct).toFixed(2),
        r.cpuPct.map((c) => c.toFixed(2)).join(', '),
        r.contextSwitchesPerS.toFixed(1),
        ...idleCells(r).slice(0, 6), // (not the load: the windows' loads head the table)
        String(r.keyRearms),
        r.keyToUpdateMs.toFixed(1),
      ]),
    ),
  ].join('\n');
}
