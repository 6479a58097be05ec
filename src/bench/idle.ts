// `vramvnc bench idle`: the Xen 3.3 result side by side. Per tracking mode, a server process
// with one viewer-like client (always one incremental request outstanding) on an idle screen.
import { ALL_CLIENT_ENCODINGS, RfbClient } from '../../client/headless/rfb-client.js';
import type { TrackingMode } from '../hypervisor/dirty-log.js';
import { describeMachine, sampleProcess } from './proc.js';
import { startServerProcess } from './server-process.js';
import { startQemu } from './peers.js';

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
  log: (line: string) => void;
}

export interface IdleResult {
  mode: string;
  seconds: number;
  /** over the whole window, from the first frame */
  cpuPercent: number;
  /** over the window after the settle period (the first settleSeconds excluded) */
  steadyCpuPercent: number;
  steadyContextSwitchesPerSecond: number;
  contextSwitchesPerSecond: number;
  wakeupsPerSecond: number;
  queries: number;
  pagesWalked: number;
  faults: number;
  drops: number;
  rearms: number;
  pagesReported: number;
  bytesCompared: number;
  updates: number;
  bytesSent: number;
  rssMiB: number;
}

const delta = (a: any, b: any, k: string) => Number(b[k] ?? 0) - Number(a[k] ?? 0);

/** The start of the window left out of the steady figures: tracking drops, V8's one-time memory-reducer GC. */
export function settleSeconds(o: IdleOptions): number {
  return Math.min(o.settleSeconds ?? 20, Math.floor(o.seconds / 2));
}

/** Another VNC server measured the same way (CPU and wake-ups from /proc; no tracker counters). */
export async function benchIdlePeer(name: string, o: IdleOptions): Promise<IdleResult> {
  const screen = name === 'qemu-text' ? 'text' : name === 'qemu-vbe' ? 'vbe' : null;
  if (!screen) throw new Error(`unknown peer '${name}' (known: qemu-text, qemu-vbe)`);
  const peer = await startQemu(screen);
  try {
    await new Promise((r) => setTimeout(r, 3000)); // firmware done, screen settled
    const clients: RfbClient[] = [];
    for (let i = 0; i < o.clients; i++) clients.push(await RfbClient.connect(peer.vnc, { timeoutMs: 20_000, encodings: ALL_CLIENT_ENCODINGS }));
    await Promise.all(clients.map((c) => c.waitFirstFrame()));
    await new Promise((r) => setTimeout(r, 1000));
    const bytes0 = clients.reduce((a, c) => a + c.bytesReceived, 0);
    const upd0 = clients.reduce((a, c) => a + c.updates, 0);
    const p0 = sampleProcess(peer.child.pid!);
    const settle = settleSeconds(o);
    await new Promise((r) => setTimeout(r, settle * 1000));
    const pS = sampleProcess(peer.child.pid!);
    await new Promise((r) => setTimeout(r, (o.seconds - settle) * 1000));
    const p1 = sampleProcess(peer.child.pid!);
    const secs = (p1.at - p0.at) / 1000;
    const result: IdleResult = {
      mode: peer.name,
      seconds: secs,
      cpuPercent: ((p1.cpuMs - p0.cpuMs) / (p1.at - p0.at)) * 100,
      steadyCpuPercent: ((p1.cpuMs - pS.cpuMs) / (p1.at - pS.at)) * 100,
      contextSwitchesPerSecond: (p1.contextSwitches - p0.contextSwitches) / secs,
      steadyContextSwitchesPerSecond: (p1.contextSwitches - pS.contextSwitches) / ((p1.at - pS.at) / 1000),
      wakeupsPerSecond: NaN,
      queries: NaN,
      pagesWalked: NaN,
      faults: NaN,
      drops: NaN,
      rearms: NaN,
      pagesReported: NaN,
      bytesCompared: NaN,
      updates: clients.reduce((a, c) => a + c.updates, 0) - upd0,
      bytesSent: clients.reduce((a, c) => a + c.bytesReceived, 0) - bytes0,
      rssMiB: p1.rssBytes / 2 ** 20,
    };
    for (const c of clients) c.close();
    return result;
  } finally {
    await peer.stop();
  }
}

export async function benchIdleMode(mode: string, o: IdleOptions): Promise<IdleResult> {
  const [tracking, refresh = 'poll'] = mode.split('/') as [TrackingMode, string?];
  const server = await startServerProcess(['--guest', o.guest, '--tracking', tracking, '--refresh', refresh]);
  try {
    const clients: RfbClient[] = [];
    for (let i = 0; i < o.clients; i++) clients.push(await RfbClient.connect(server.vnc, { timeoutMs: 20_000, encodings: ALL_CLIENT_ENCODINGS }));
    await Promise.all(clients.map((c) => c.waitFirstFrame()));
    const s0 = await server.stats();
    const p0 = sampleProcess(server.child.pid!);
    const settle = settleSeconds(o);
    await new Promise((r) => setTimeout(r, settle * 1000));
    const pS = sampleProcess(server.child.pid!);
    await new Promise((r) => setTimeout(r, (o.seconds - settle) * 1000));
    const p1 = sampleProcess(server.child.pid!);
    const s1 = await server.stats();
    for (const c of clients) c.close();
    const secs = (p1.at - p0.at) / 1000;
    const t0 = s0.tracking;
    const t1 = s1.tracking;
    return {
      mode,
      seconds: secs,
      cpuPercent: ((p1.cpuMs - p0.cpuMs) / (p1.at - p0.at)) * 100,
      steadyCpuPercent: ((p1.cpuMs - pS.cpuMs) / (p1.at - pS.at)) * 100,
      contextSwitchesPerSecond: (p1.contextSwitches - p0.contextSwitches) / secs,
      steadyContextSwitchesPerSecond: (p1.contextSwitches - pS.contextSwitches) / ((p1.at - pS.at) / 1000),
      wakeupsPerSecond: delta(s0.pipeline, s1.pipeline, 'wakeups') / secs,
      queries: delta(t0, t1, 'queries'),
      pagesWalked: delta(t0, t1, 'pagesWalked'),
      faults: delta(t0, t1, 'faults'),
      drops: delta(t0, t1, 'drops'),
      rearms: delta(t0, t1, 'rearms'),
      pagesReported: delta(t0, t1, 'pagesReported'),
      bytesCompared: delta(t0, t1, 'bytesCompared'),
      updates: delta(s0, s1, 'updates'),
      bytesSent: delta(s0, s1, 'bytesSent'),
      rssMiB: p1.rssBytes / 2 ** 20,
    };
  } finally {
    await server.stop();
  }
}

export async function benchIdle(o: IdleOptions): Promise<IdleResult[]> {
  const results: IdleResult[] = [];
  for (const mode of o.modes) {
    o.log(`bench idle: ${mode}, ${o.seconds} s, guest ${o.guest}, ${o.clients} client(s)...`);
    results.push(await benchIdleMode(mode, o));
  }
  for (const peer of o.peers ?? []) {
    o.log(`bench idle: peer ${peer}, ${o.seconds} s, ${o.clients} client(s)...`);
    results.push(await benchIdlePeer(peer, o));
  }
  return results;
}

export function formatIdleTable(results: IdleResult[], o: IdleOptions): string {
  const scan = results.find((r) => r.mode === 'scan');
  const cols = ['mode', 'CPU %', 'x scan', 'steady CPU %', 'steady ctxsw/s', 'wakeups/s', 'ctxsw/s', 'queries', 'pages walked', 'faults', 'drops', 're-arms', 'pages reported', 'bytes compared', 'updates', 'bytes sent'];
  const rows = results.map((r) => [
    r.mode,
    r.cpuPercent.toFixed(3),
    scan && r !== scan ? (r.cpuPercent > 0 ? `1/${(scan.cpuPercent / r.cpuPercent).toFixed(0)}` : '1/inf') : scan ? '1' : '-',
    r.steadyCpuPercent.toFixed(4),
    r.steadyContextSwitchesPerSecond.toFixed(2),
    Number.isNaN(r.wakeupsPerSecond) ? '-' : r.wakeupsPerSecond.toFixed(2),
    r.contextSwitchesPerSecond.toFixed(1),
    Number.isNaN(r.queries) ? '-' : String(r.queries),
    Number.isNaN(r.pagesWalked) ? '-' : String(r.pagesWalked),
    Number.isNaN(r.faults) ? '-' : String(r.faults),
    Number.isNaN(r.drops) ? '-' : String(r.drops),
    Number.isNaN(r.rearms) ? '-' : String(r.rearms),
    Number.isNaN(r.pagesReported) ? '-' : String(r.pagesReported),
    Number.isNaN(r.bytesCompared) ? '-' : String(r.bytesCompared),
    String(r.updates),
    String(r.bytesSent),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
  return [
    `guest ${o.guest}, ${o.clients} viewer(s) asking for Tight, ZRLE, Hextile, Zlib, RRE, CopyRect, Raw (as TigerVNC does), ${o.seconds} s per mode from the first frame (steady: the last ${o.seconds - settleSeconds(o)} s); refresh: poll every 30 ms as Xen, or /event on the tracker's doorbell; server CPU = process CPU time / wall time (from /proc)`,
    `machine: ${describeMachine()}`,
    line(cols),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}
