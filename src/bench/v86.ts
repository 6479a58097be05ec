// `vramvnc bench v86`: the v86 machine side by side with QEMU TCG (qemu-system-i386, stdvga, its own
// VNC server) on the same guest images, each a process of its own measured from outside with one
// viewer (the headless client asking for ZRLE and CopyRect): boot time to the GRUB menu and to the Linux prompt (the last
// screen change before the screen sits still), idle CPU at the prompt, CPU and bytes while the
// console scrolls, and the latency from a key press to the first update that shows it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { Screen } from '../../client/screen/session.js';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { EncodingType } from '../rfb/wire/encodings.js';
import { sampleProcess } from './proc.js';
import { startServerProcess } from './server-process.js';
import { median, table } from './stats.js';

export interface V86BenchOptions {
  guests: string;
  idleSeconds: number;
  /** Seconds to let the prompt sit before the idle measurement (the guest settles after boot). */
  settleSeconds: number;
  latencySamples: number;
  peers: string[];
  /** Which guests: grub, linux. */
  cases: string[];
  /** our server's tracking backends, one row each (default: dirty, v86's log) */
  trackings?: string[];
  /** Runs of every server, interleaved (default 1); a row is the median run. */
  repeat?: number;
  log: (line: string) => void;
}

export interface V86BenchRow {
  server: string;
  guest: 'grub' | 'linux';
  bootS: number;
  idleCpuPct: number | null;
  scrollCpuS: number | null;
  scrollBytes: number | null;
  scrollS: number | null;
  keyLatencyMs: number | null;
  keyLatencyP90Ms: number | null;
  /** Our server over the idle window (from its /stats; null for QEMU): what the refresher and tracker did. */
  idle?: V86IdleCounters | null;
  /** With --repeat: every run's idle CPU % (linux) or boot time (grub), in run order; the row is the median run. */
  runs?: number[];
}

/** Our server's counters over the idle window: refresher wake-ups, tracker queries, re-arms, harvests of v86's log. */
export interface V86IdleCounters {
  wakeups: number;
  queries: number;
  rearms: number;
  /** v86's bitmap emptied (queries and run-slice checks; the dirty backend only) */
  harvests: number | null;
  /** the guest's run slices (each a wake-up of v86 from its timer or an interrupt) */
  slices: number | null;
  /** the tracker's state at the start and the end of the window */
  stateFrom: string;
  stateTo: string;
  /** the host's 1-minute load average at the end of the window (other processes share the cores) */
  load1: number;
}

export interface Running {
  name: string;
  pid: number;
  url: string;
  startedAt: number;
  stop(): Promise<void>;
  /** our server's /stats */
  stats?: () => Promise<any>;
}

const STILL_MS = 5000;

export function images(dir: string) {
  const f = (n: string) => {
    const p = `${dir}/${n}`;
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: build the guest images first (npm run guests)`);
    return p;
  };
  return { iso: f('grub.iso'), kernel: f('vmlinuz'), initrd: f('initrd.img') };
}

export async function startOurs(guest: 'grub' | 'linux', dir: string, slackMs?: number, tracking = 'dirty'): Promise<Running> {
  const img = images(dir);
  const args = guest === 'grub' ? ['--cdrom', img.iso] : ['--kernel', img.kernel, '--initrd', img.initrd, '--append', 'console=tty1'];
  if (slackMs !== undefined) args.push('--idle-slack-ms', String(slackMs));
  const startedAt = performance.now();
  const p = await startServerProcess(['--machine', 'v86', '--tracking', tracking, ...args]);
  // the backend that really runs (hw falls back to v86's log where its addon cannot run)
  const ran = ((await p.stats()) as { tracking: { mode: string } }).tracking.mode;
  const base = tracking === 'dirty' ? 'vramvnc v86' : `vramvnc v86 --tracking ${tracking}${ran === tracking ? '' : ` (ran ${ran})`}`;
  const name = slackMs === undefined ? base : `${base} (--idle-slack-ms ${slackMs})`;
  return { name, pid: p.child.pid!, url: p.vnc, startedAt, stop: () => p.stop(), stats: () => p.stats() };
}

async function startQemuTcg(guest: 'grub' | 'linux', dir: string): Promise<Running> {
  const img = images(dir);
  const display = 40 + Math.floor(Math.random() * 50);
  const args = ['-display', 'none', '-nic', 'none', '-vga', 'std', '-m', '128', '-accel', 'tcg', '-bios', '/usr/share/seabios/bios.bin', '-monitor', 'none', '-serial', 'none', '-vnc', `127.0.0.1:${display},to=99`];
  if (guest === 'grub') args.push('-cdrom', img.iso, '-boot', 'd');
  else args.push('-kernel', img.kernel, '-initrd', img.initrd, '-append', 'console=tty1');
  const startedAt = performance.now();
  const child: ChildProcess = spawn('qemu-system-i386', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const on = (d: Buffer) => {
      out += d;
      const m = /VNC server running on ([\d.]+):(\d+)/.exec(out);
      if (m) resolve(`vnc://${m[1]}:${m[2]}`);
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('error', (e) => reject(new Error(`cannot start qemu-system-i386 (Debian package qemu-system-x86): ${e.message}`)));
    child.once('exit', (c) => reject(new Error(`qemu-system-i386 exited with ${c}: ${out}`)));
  });
  return {
    name: 'QEMU TCG',
    pid: child.pid!,
    url,
    startedAt,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** Seconds from start to the last change before the screen sat still for STILL_MS. */
export async function bootTime(r: Running, screen: Screen, minWidth: number): Promise<number> {
  await screen.client.waitUntil(() => screen.width >= minWidth, 600_000);
  await screen.waitStill({ stillMs: STILL_MS, timeoutMs: 600_000 });
  return (screen.lastChangeAt - r.startedAt) / 1000;
}

async function cpuOver(pid: number, ms: number): Promise<number> {
  const a = sampleProcess(pid);
  await new Promise((res) => setTimeout(res, ms));
  const b = sampleProcess(pid);
  return ((b.cpuMs - a.cpuMs) / (b.at - a.at)) * 100;
}

/** Press and release a key, then time until the first update after it (ms). */
async function keyLatency(screen: Screen, samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await screen.waitChange(() => screen.sendKey(i % 2 ? 'backspace' : 'x'), { timeoutMs: 10_000 });
    out.push(performance.now() - t0);
    await screen.waitStill({ stillMs: 300, timeoutMs: 10_000 });
  }
  // an odd count leaves an x on the prompt line, which would spoil the command typed next
  if (samples % 2 === 1) {
    await screen.waitChange(() => screen.sendKey('backspace'), { timeoutMs: 10_000 });
    await screen.waitStill({ stillMs: 300, timeoutMs: 10_000 });
  }
  return out;
}

async function measure(start: () => Promise<Running>, guest: 'grub' | 'linux', o: V86BenchOptions): Promise<V86BenchRow> {
  const r = await start();
  let screen: Screen | null = null;
  try {
    // one viewer as TigerVNC's would ask: ZRLE, CopyRect, DesktopSize, LastRect
    const client = await RfbClient.connect(r.url, { timeoutMs: 120_000, encodings: [EncodingType.ZRLE, EncodingType.CopyRect, EncodingType.DesktopSize, EncodingType.LastRect] });
    await client.waitFirstFrame(120_000);
    screen = new Screen(client);
    const bootS = await bootTime(r, screen, guest === 'grub' ? 1024 : 640);
    o.log(`${r.name} ${guest}: still after ${bootS.toFixed(1)} s`);
    const row: V86BenchRow = { server: r.name, guest, bootS, idleCpuPct: null, scrollCpuS: null, scrollBytes: null, scrollS: null, keyLatencyMs: null, keyLatencyP90Ms: null };
    if (guest === 'linux') {
      await new Promise((res) => setTimeout(res, o.settleSeconds * 1000));
      const s0 = await r.stats?.();
      row.idleCpuPct = await cpuOver(r.pid, o.idleSeconds * 1000);
      row.idle = s0 ? idleCounters(s0, await r.stats!()) : null;
      o.log(`${r.name}: idle ${row.idleCpuPct.toFixed(2)}%${row.idle ? `, ${row.idle.wakeups} refresher wake-ups, tracking ${row.idle.stateFrom} -> ${row.idle.stateTo}` : ''}`);
      const s = screen;
      const lat = (await keyLatency(s, o.latencySamples)).sort((a, b) => a - b);
      row.keyLatencyMs = median(lat);
      row.keyLatencyP90Ms = lat[Math.floor(lat.length * 0.9)] ?? null;
      // the console scrolls: 2,000 lines of output
      await s.waitStill({ stillMs: 1000, timeoutMs: 30_000 });
      const c0 = sampleProcess(r.pid);
      const b0 = s.client.bytesReceived;
      const t0 = performance.now();
      // (waitStill alone could return before the guest echoed the first key: the screen was still)
      await s.waitChange(() => s.typeText('seq 1 2000\n'), { timeoutMs: 30_000 });
      await s.waitStill({ stillMs: 2000, timeoutMs: 300_000 });
      const c1 = sampleProcess(r.pid);
      row.scrollS = (s.lastChangeAt - t0) / 1000;
      row.scrollCpuS = (c1.cpuMs - c0.cpuMs - 2000 * (row.idleCpuPct / 100)) / 1000;
      row.scrollBytes = s.client.bytesReceived - b0;
    }
    return row;
  } finally {
    await screen?.close();
    await r.stop();
  }
}

/** What the refresher and the tracker did between two of our server's /stats. */
export function idleCounters(a: any, b: any): V86IdleCounters {
  // counters only our v86 machine has (null where a side lacks them)
  const delta = (get: (s: any) => number | undefined): number | null => {
    const x = get(a);
    const y = get(b);
    return x === undefined || y === undefined ? null : y - x;
  };
  return {
    wakeups: b.pipeline.wakeups - a.pipeline.wakeups,
    queries: b.tracking.queries - a.tracking.queries,
    rearms: b.tracking.rearms - a.tracking.rearms,
    harvests: delta((s) => s.v86?.harvests),
    slices: delta((s) => s.v86?.scheduler?.slices),
    stateFrom: a.tracking.state,
    stateTo: b.tracking.state,
    load1: os.loadavg()[0]!,
  };
}

export async function benchV86(o: V86BenchOptions): Promise<V86BenchRow[]> {
  const rows: V86BenchRow[] = [];
  for (const guest of (['grub', 'linux'] as const).filter((g) => o.cases.includes(g))) {
    const starts: (() => Promise<Running>)[] = [];
    for (const tracking of o.trackings ?? ['dirty']) {
      starts.push(() => startOurs(guest, o.guests, undefined, tracking));
      // the guest's timers never late: what the scheduler alone does
      if (guest === 'linux' && tracking === 'dirty') starts.push(() => startOurs(guest, o.guests, 0));
    }
    if (o.peers.includes('qemu')) starts.push(() => startQemuTcg(guest, o.guests));
    // every server once per round, the rounds one after another: the host's mood falls on all alike
    const runs: V86BenchRow[][] = starts.map(() => []);
    for (let round = 0; round < (o.repeat ?? 1); round++) {
      for (const [i, start] of starts.entries()) runs[i]!.push(await measure(start, guest, o));
    }
    for (const r of runs) rows.push(medianRun(r, guest));
  }
  return rows;
}

/** The median run (by idle CPU at the Linux prompt, by boot time for GRUB), with every run's figure. */
export function medianRun(runs: V86BenchRow[], guest: 'grub' | 'linux'): V86BenchRow {
  const key = (r: V86BenchRow) => (guest === 'linux' ? r.idleCpuPct ?? 0 : r.bootS);
  if (runs.length === 1) return runs[0]!;
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return { ...sorted[(sorted.length - 1) >> 1]!, runs: runs.map(key) };
}

export function formatV86Table(rows: V86BenchRow[]): string {
  const f = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));
  return table(
    ['server', 'guest', 'boot to still screen s', 'idle CPU %', 'every run', 'guest slices', 'idle: wake-ups', 'queries', 're-arms', 'harvests', 'tracking', 'load', 'scroll 2000 lines: s', 'CPU s', 'bytes', 'key→update ms p50', 'p90'],
    rows.map((r) => [
      r.server,
      r.guest,
      f(r.bootS),
      f(r.idleCpuPct, 2),
      runsCell(r),
      ...idleCells(r.idle),
      f(r.scrollS),
      f(r.scrollCpuS, 2),
      r.scrollBytes === null ? '-' : r.scrollBytes.toLocaleString('en-US'),
      f(r.keyLatencyMs),
      f(r.keyLatencyP90Ms),
    ]),
  );
}

/** A --repeat row's "every run" cell: each run's idle CPU % (GRUB: boot s), or '-'. */
export function runsCell(r: Pick<V86BenchRow, 'runs' | 'guest'>): string {
  return r.runs ? r.runs.map((v) => v.toFixed(r.guest === 'linux' ? 2 : 1)).join(', ') : '-';
}

/**
 * The idle window's counters as table cells ('-' where not measured): guest slices, refresher
 * wake-ups, queries, re-arms, harvests, tracking state, load.
 */
export function idleCells(c: V86IdleCounters | null | undefined): string[] {
  if (!c) return ['-', '-', '-', '-', '-', '-', '-'];
  const n = (v: number | null | undefined) => (v == null ? '-' : String(v));
  return [n(c.slices), String(c.wakeups), String(c.queries), String(c.rearms), n(c.harvests), c.stateFrom === c.stateTo ? c.stateFrom : `${c.stateFrom} -> ${c.stateTo}`, c.load1.toFixed(2)];
}
