// `vramvnc bench idle`: the Xen 3.3 result side by side. Per tracking mode, a server process
// with one viewer-like client (always one incremental request outstanding) on an idle screen.
import net from 'node:net';
import { ALL_CLIENT_ENCODINGS, RfbClient } from '../../client/headless/rfb-client.js';
import type { TrackerCounters, TrackingMode } from '../hypervisor/dirty-log.js';
import { describeMachine, sampleProcess, type ProcSample } from './proc.js';
import { table } from './stats.js';
import { startServerProcess, type Launch } from './server-process.js';
import { NODE_FLOOR_WRITE_BYTES, startNodeFloor, startQemu } from './peers.js';

export interface IdleOptions {
  seconds: number;
  guest: string;
  /** tracking mode, optionally with /poll (default, as Xen) or /event */
  modes: string[];
  clients: number;
  /** seconds at the start of the window left out of the steady figures (default 20, at most half) */
  settleSeconds?: number;
  /** other servers to measure the same way: qemu-text, qemu-vbe */
  peers?: string[];
  /**
   * how each server is started (default ['node']: `node dist/src/cli/main.js serve`, which relaunches
   * itself with its V8 flags; 'flags': with them on node's command line); with several, every mode
   * runs once per launch and its rows are labelled `mode [launch]`
   */
  launches?: Launch[];
  /** runs per mode, interleaved; each row is the median run by CPU % (default 1) */
  repeat?: number;
  log: (line: string) => void;
}

/** The tracker's counters over the window, and the server's. */
export interface IdleResult extends TrackerCounters {
  mode: string;
  seconds: number;
  /** over the whole window, from the first frame */
  cpuPercent: number;
  /** over the window after the settle period (the first settleSeconds excluded) */
  steadyCpuPercent: number;
  steadyContextSwitchesPerSecond: number;
  contextSwitchesPerSecond: number;
  wakeupsPerSecond: number;
  updates: number;
  bytesSent: number;
  rssMiB: number;
  /** CPU % of every run when repeated (the row is the median run) */
  cpuRuns?: number[];
}

const delta = (a: any, b: any, k: string) => Number(b[k] ?? 0) - Number(a[k] ?? 0);

/** The start of the window left out of the steady figures: tracking drops, V8's one-time memory-reducer GC. */
export function settleSeconds(o: IdleOptions): number {
  return Math.min(o.settleSeconds ?? 20, Math.floor(o.seconds / 2));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** n viewer-like clients (TigerVNC's encodings; continuous updates where the server has them, as TigerVNC), each with its first frame. */
async function connectViewers(url: string, n: number): Promise<RfbClient[]> {
  const clients: RfbClient[] = [];
  for (let i = 0; i < n; i++) clients.push(await RfbClient.connect(url, { timeoutMs: 20_000, encodings: ALL_CLIENT_ENCODINGS, continuousUpdates: true }));
  await Promise.all(clients.map((c) => c.waitFirstFrame()));
  return clients;
}

type CpuWindow = Pick<IdleResult, 'seconds' | 'cpuPercent' | 'steadyCpuPercent' | 'contextSwitchesPerSecond' | 'steadyContextSwitchesPerSecond' | 'rssMiB'>;

/** Process pid's CPU over o.seconds from now, and over the part after the settle period. */
async function measureCpu(pid: number, o: IdleOptions): Promise<CpuWindow> {
  const p0 = sampleProcess(pid);
  const settle = settleSeconds(o);
  await sleep(settle * 1000);
  const pS = sampleProcess(pid);
  await sleep((o.seconds - settle) * 1000);
  const p1 = sampleProcess(pid);
  const rate = (a: ProcSample, b: ProcSample) => ({
    cpu: ((b.cpuMs - a.cpuMs) / (b.at - a.at)) * 100,
    ctxsw: (b.contextSwitches - a.contextSwitches) / ((b.at - a.at) / 1000),
  });
  const whole = rate(p0, p1);
  const steady = rate(pS, p1);
  return {
    seconds: (p1.at - p0.at) / 1000,
    cpuPercent: whole.cpu,
    steadyCpuPercent: steady.cpu,
    contextSwitchesPerSecond: whole.ctxsw,
    steadyContextSwitchesPerSecond: steady.ctxsw,
    rssMiB: p1.rssBytes / 2 ** 20,
  };
}

/** The names --peers takes. */
export const IDLE_PEERS = ['qemu-text', 'qemu-vbe', 'node-floor'] as const;

const NO_TRACKER = { wakeupsPerSecond: NaN, queries: NaN, pagesWalked: NaN, faults: NaN, drops: NaN, rearms: NaN, pagesReported: NaN, bytesCompared: NaN };

/** node-floor: a bare node's timer and write per cursor toggle, read here (each write counts as an update). */
async function benchNodeFloor(o: IdleOptions): Promise<IdleResult> {
  let bytes = 0;
  const sink = net.createServer((s) => s.on('data', (d) => (bytes += d.length)).on('error', () => {}));
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const peer = startNodeFloor((sink.address() as net.AddressInfo).port);
  try {
    await sleep(2000);
    const b0 = bytes;
    const cpu = await measureCpu(peer.child.pid!, o);
    return { mode: peer.name, ...cpu, ...NO_TRACKER, updates: Math.round((bytes - b0) / NODE_FLOOR_WRITE_BYTES), bytesSent: bytes - b0 };
  } finally {
    await peer.stop();
    await new Promise((r) => sink.close(r));
  }
}

/** Another VNC server measured the same way (CPU and wake-ups from /proc; no tracker counters). */
export async function benchIdlePeer(name: string, o: IdleOptions): Promise<IdleResult> {
  if (name === 'node-floor') return benchNodeFloor(o);
  const screen = name === 'qemu-text' ? 'text' : name === 'qemu-vbe' ? 'vbe' : null;
  if (!screen) throw new Error(`unknown peer '${name}' (known: ${IDLE_PEERS.join(', ')})`);
  const peer = await startQemu(screen);
  try {
    await sleep(3000); // firmware done, screen settled
    const clients = await connectViewers(peer.vnc, o.clients);
    await sleep(1000);
    const sum = (k: 'updates' | 'bytesReceived') => clients.reduce((a, c) => a + c[k], 0);
    const upd0 = sum('updates');
    const bytes0 = sum('bytesReceived');
    const cpu = await measureCpu(peer.child.pid!, o);
    for (const c of clients) c.close();
    return {
      mode: peer.name,
      ...cpu,
      ...NO_TRACKER,
      updates: sum('updates') - upd0,
      bytesSent: sum('bytesReceived') - bytes0,
    };
  } finally {
    await peer.stop();
  }
}

export async function benchIdleMode(mode: string, o: IdleOptions, launch: Launch = 'node'): Promise<IdleResult> {
  const [tracking, refresh = 'poll'] = mode.split('/') as [TrackingMode, string?];
  const server = await startServerProcess(['--guest', o.guest, '--tracking', tracking, '--refresh', refresh], launch);
  const label = (o.launches ?? ['node']).length > 1 ? `${mode} [${launch}]` : mode;
  try {
    const clients = await connectViewers(server.vnc, o.clients);
    const s0 = await server.stats();
    const cpu = await measureCpu(server.child.pid!, o);
    const s1 = await server.stats();
    for (const c of clients) c.close();
    const t = (k: string) => delta(s0.tracking, s1.tracking, k);
    return {
      // a backend that cannot run here (hw without its addon) says what ran instead
      mode: s0.tracking.mode === tracking ? label : `${label} (ran ${s0.tracking.mode})`,
      ...cpu,
      wakeupsPerSecond: delta(s0.pipeline, s1.pipeline, 'wakeups') / cpu.seconds,
      queries: t('queries'),
      pagesWalked: t('pagesWalked'),
      faults: t('faults'),
      drops: t('drops'),
      rearms: t('rearms'),
      pagesReported: t('pagesReported'),
      bytesCompared: t('bytesCompared'),
      updates: delta(s0, s1, 'updates'),
      bytesSent: delta(s0, s1, 'bytesSent'),
    };
  } finally {
    await server.stop();
  }
}

export async function benchIdle(o: IdleOptions): Promise<IdleResult[]> {
  const runs = new Map<string, IdleResult[]>();
  const keep = (key: string, r: IdleResult) => runs.set(key, [...(runs.get(key) ?? []), r]);
  const rounds = o.repeat ?? 1;
  // rounds interleave the modes, so that a noisy minute on a shared machine hits them alike
  for (let round = 1; round <= rounds; round++) {
    const of = rounds > 1 ? ` (run ${round}/${rounds})` : '';
    for (const mode of o.modes) {
      for (const launch of o.launches ?? ['node']) {
        o.log(`bench idle: ${mode} (started as ${launch}), ${o.seconds} s, guest ${o.guest}, ${o.clients} client(s)${of}...`);
        keep(`${mode}@${launch}`, await benchIdleMode(mode, o, launch));
      }
    }
    for (const peer of o.peers ?? []) {
      o.log(`bench idle: peer ${peer}, ${o.seconds} s, ${o.clients} client(s)${of}...`);
      keep(`peer:${peer}`, await benchIdlePeer(peer, o));
    }
  }
  return [...runs.values()].map((rs) => {
    const sorted = [...rs].sort((a, b) => a.cpuPercent - b.cpuPercent);
    const median = sorted[Math.floor(sorted.length / 2)]!; // of an even count, the higher middle
    return rs.length > 1 ? { ...median, cpuRuns: rs.map((r) => r.cpuPercent) } : median;
  });
}

export function formatIdleTable(results: IdleResult[], o: IdleOptions): string {
  const scan = results.find((r) => r.mode === 'scan');
  const n = (v: number, digits = 0) => (Number.isNaN(v) ? '-' : v.toFixed(digits));
  const repeated = results.some((r) => r.cpuRuns);
  const rows = results.map((r) => [
    r.mode,
    r.cpuPercent.toFixed(3),
    ...(repeated ? [(r.cpuRuns ?? [r.cpuPercent]).map((v) => v.toFixed(3)).join(' ')] : []),
    scan && r !== scan ? (r.cpuPercent > 0 ? `1/${(scan.cpuPercent / r.cpuPercent).toFixed(0)}` : '1/inf') : scan ? '1' : '-',
    r.steadyCpuPercent.toFixed(4),
    r.steadyContextSwitchesPerSecond.toFixed(2),
    n(r.wakeupsPerSecond, 2),
    r.contextSwitchesPerSecond.toFixed(1),
    ...[r.queries, r.pagesWalked, r.faults, r.drops, r.rearms, r.pagesReported, r.bytesCompared, r.updates, r.bytesSent].map((v) => n(v)),
  ]);
  return [
    `guest ${o.guest}, ${o.clients} viewer(s) asking for Tight, ZRLE, Hextile, Zlib, RRE, CopyRect, Raw, with continuous updates where the server offers them (as TigerVNC does), ${o.seconds} s per mode from the first frame (steady: the last ${o.seconds - settleSeconds(o)} s); refresh: poll every 30 ms as Xen, or /event on the tracker's doorbell; server CPU = process CPU time / wall time (from /proc)` +
      (repeated ? `; ${o.repeat} runs per mode, interleaved: each row is the median run, all runs' CPU % listed` : ''),
    `machine: ${describeMachine()}`,
    table(['mode', 'CPU %', ...(repeated ? ['runs CPU %'] : []), 'x scan', 'steady CPU %', 'steady ctxsw/s', 'wakeups/s', 'ctxsw/s', 'queries', 'pages walked', 'faults', 'drops', 're-arms', 'pages reported', 'bytes compared', 'updates', 'bytes sent'], rows),
  ].join('\n');
}
