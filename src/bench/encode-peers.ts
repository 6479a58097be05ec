// `vramvnc bench encode --peers x11vnc,xvnc`: the same pictures served by our server and by C VNC
// servers (LibVNCServer in x11vnc on Xvfb, TigerVNC's Xvnc), measured from outside with the same
// client: full-frame non-incremental requests on one connection, bytes exact, the server's CPU time
// per frame from /proc (median of N), the frames' pixels checked against the picture.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { surfaceToPng } from '../display/png.js';
import type { Surface } from '../display/surface.js';
import { EncodingType } from '../rfb/wire/encodings.js';
import { describeMachine, sampleProcess } from './proc.js';
import { startServerProcess } from './server-process.js';
import { median, table } from './stats.js';
import { showPictureOnRoot, type X11Picture } from './x11-picture.js';

export const ENCODE_PEERS = ['x11vnc', 'xvnc'] as const;
export type EncodePeer = (typeof ENCODE_PEERS)[number];

/** What the client asks for: lossless (no QualityLevel), CompressLevel 6 for every server. */
export const PEER_CASES: { label: string; encodings: number[] }[] = [
  { label: 'ZRLE', encodings: [EncodingType.ZRLE, EncodingType.CompressLevel0 + 6] },
  { label: 'Tight', encodings: [EncodingType.Tight, EncodingType.CompressLevel0 + 6] },
];

interface Served {
  name: string;
  /** the process whose CPU is the server's (with its descendants) */
  pid: number;
  vnc: string;
  stop(): Promise<void>;
}

export interface PeerCell {
  bytes: number;
  /** median server CPU per frame, ms (its idle rate over the frame's time taken off) */
  cpuMs: number;
  /** every frame's CPU ms */
  cpuRuns: number[];
  /** the server's idle CPU, % of a core, measured before the frames */
  idlePercent: number;
}

export interface PeerRow {
  frame: string;
  encoding: string;
  servers: Record<string, PeerCell>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPort(port: number, child: ChildProcess, what: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await sleep(100);
  }
}

const stopChild = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 5000).unref();
  });

/** An X server that picks its own display number (-displayfd 3) and tells it. */
async function startXServer(exe: string, args: string[]): Promise<{ child: ChildProcess; display: number; err: () => string }> {
  if (!fs.existsSync(exe)) throw new Error(`${exe} is not installed`);
  const child = spawn(exe, ['-displayfd', '3', ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const display = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdio[3]!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`${path.basename(exe)} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`)));
    setTimeout(() => reject(new Error(`${path.basename(exe)} gave no display number in 15 s`)), 15_000).unref();
  });
  return { child, display, err: () => err };
}

async function serveX11vnc(pic: Surface): Promise<Served> {
  const x = await startXServer('/usr/bin/Xvfb', ['-screen', '0', `${pic.width}x${pic.height}x24`, '-nolisten', 'tcp', '-noreset']);
  let holder: X11Picture | null = null;
  let vnc: ChildProcess | null = null;
  try {
    holder = await showPictureOnRoot(x.display, pic);
    const port = await freePort();
    if (!fs.existsSync('/usr/bin/x11vnc')) throw new Error('x11vnc is not installed (Debian package x11vnc)');
    // the picture as it is: no cursor drawn into it, no X extensions that change what is polled
    vnc = spawn('/usr/bin/x11vnc', ['-display', `:${x.display}`, '-rfbport', String(port), '-localhost', '-nopw', '-forever', '-shared', '-quiet', '-cursor', 'none', '-nocursorshape', '-nocursorpos', '-noxdamage', '-noxfixes', '-noxrecord', '-nowf', '-nowcr', '-nobell', '-nosel', '-noprimary'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    vnc.stderr!.on('data', (d) => (err += d));
    await waitPort(port, vnc, () => `x11vnc exited: ${err.trim().split('\n').slice(-3).join(' ')}`);
    const v = vnc;
    const h = holder;
    return {
      name: 'x11vnc',
      pid: v.pid!,
      vnc: `vnc://127.0.0.1:${port}`,
      stop: async () => {
        await stopChild(v);
        h.close();
        await stopChild(x.child);
      },
    };
  } catch (err) {
    if (vnc) await stopChild(vnc);
    holder?.close();
    await stopChild(x.child);
    throw err;
  }
}

async function serveXvnc(pic: Surface): Promise<Served> {
  const port = await freePort();
  const x = await startXServer('/usr/bin/Xvnc', ['-geometry', `${pic.width}x${pic.height}`, '-depth', '24', '-rfbport', String(port), '-localhost', '-SecurityTypes', 'None', '-AlwaysShared', '-nolisten', 'tcp', '-noreset']);
  try {
    const holder = await showPictureOnRoot(x.display, pic);
    await waitPort(port, x.child, () => `Xvnc exited: ${x.err().trim().split('\n').slice(-3).join(' ')}`);
    return {
      name: 'xvnc',
      pid: x.child.pid!,
      vnc: `vnc://127.0.0.1:${port}`,
      stop: async () => {
        holder.close();
        await stopChild(x.child);
      },
    };
  } catch (err) {
    await stopChild(x.child);
    throw err;
  }
}

async function serveVramvnc(pic: Surface, dir: string, name: string, serverArgs: readonly string[] = []): Promise<Served> {
  const file = path.join(dir, `${name}.png`);
  fs.writeFileSync(file, surfaceToPng(pic));
  const s = await startServerProcess(['--guest', `image:${file}`, ...serverArgs]);
  return { name: 'vramvnc', pid: s.child.pid!, vnc: s.vnc, stop: s.stop };
}

/** Whether the client's framebuffer shows exactly the picture. */
function showsPicture(c: RfbClient, pic: Surface): boolean {
  if (c.width !== pic.width || c.height !== pic.height) return false;
  const rgba = c.fb.rgba;
  for (let i = 0; i < pic.data.length; i++) {
    const v = pic.data[i]!;
    if (rgba[i * 4] !== ((v >>> 16) & 255) || rgba[i * 4 + 1] !== ((v >>> 8) & 255) || rgba[i * 4 + 2] !== (v & 255)) return false;
  }
  return true;
}

/** One full frame: bytes, and the server's CPU ms beyond its idle rate. */
async function oneFrame(c: RfbClient, s: Served, idleMsPerMs: number): Promise<{ bytes: number; cpuMs: number }> {
  const p0 = sampleProcess(s.pid);
  const next = c.nextUpdate(60_000);
  c.requestUpdate(false);
  const u = await next;
  await sleep(5); // anything the server does after its last write
  const p1 = sampleProcess(s.pid);
  return { bytes: u.bytes, cpuMs: Math.max(0, p1.cpuMs - p0.cpuMs - idleMsPerMs * (p1.at - p0.at)) };
}

export interface PeerBenchOptions {
  frames: { name: string; surface: Surface }[];
  peers: EncodePeer[];
  /** frames per server, encoding and picture (default 10) */
  iterations: number;
  /**
   * frames taken from every server first and not counted (default 0): a fresh Node server spends
   * its first frames compiling the encoder (V8's optimizing compiler on its own threads, counted
   * in its CPU); a long-running server does not
   */
  warmup?: number;
  /** more `vramvnc serve` flags for our server (e.g. ['--deflate-threads', '0']) */
  serverArgs?: readonly string[];
  log: (line: string) => void;
}

/**
 * Per picture: start every server on it, check each one's first frame of every encoding against
 * the picture, then take the frames in turn from each server (interleaved, so that a noisy moment
 * on a shared machine hits them alike).
 */
export async function benchEncodePeers(o: PeerBenchOptions): Promise<PeerRow[]> {
  const rows: PeerRow[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-encode-'));
  try {
    for (const { name, surface } of o.frames) {
      o.log(`bench encode: ${name}: starting vramvnc${o.peers.map((p) => `, ${p}`).join('')}...`);
      const servers: Served[] = [];
      try {
        servers.push(await serveVramvnc(surface, dir, name, o.serverArgs));
        for (const p of o.peers) servers.push(p === 'x11vnc' ? await serveX11vnc(surface) : await serveXvnc(surface));
        for (const c of PEER_CASES) {
          const clients: RfbClient[] = [];
          try {
            for (const s of servers) {
              const cl = await RfbClient.connect(s.vnc, { timeoutMs: 60_000, autoUpdate: false, encodings: [...c.encodings, EncodingType.LastRect] });
              clients.push(cl);
              // x11vnc polls the X screen: its copy may take a moment to be complete
              let ok = false;
              for (let tries = 0; tries < 40 && !ok; tries++) {
                const next = cl.nextUpdate(60_000);
                cl.requestUpdate(false);
                await next;
                ok = showsPicture(cl, surface);
                if (!ok) await sleep(250);
              }
              if (!ok) throw new Error(`${s.name} does not show the ${name} picture exactly with ${c.label}`);
            }
            // idle rates (x11vnc polls the screen even when nothing changes)
            const idle = await Promise.all(
              servers.map(async (s) => {
                const a = sampleProcess(s.pid);
                await sleep(1000);
                const b = sampleProcess(s.pid);
                return (b.cpuMs - a.cpuMs) / (b.at - a.at);
              }),
            );
            for (let i = 0; i < (o.warmup ?? 0); i++) for (let k = 0; k < servers.length; k++) await oneFrame(clients[k]!, servers[k]!, idle[k]!);
            const runs = servers.map(() => [] as { bytes: number; cpuMs: number }[]);
            for (let i = 0; i < o.iterations; i++)
              for (let k = 0; k < servers.length; k++) runs[k]!.push(await oneFrame(clients[k]!, servers[k]!, idle[k]!));
            const row: PeerRow = { frame: name, encoding: c.label, servers: {} };
            servers.forEach((s, k) => {
              const r = runs[k]!;
              row.servers[s.name] = { bytes: median(r.map((x) => x.bytes)), cpuMs: median(r.map((x) => x.cpuMs)), cpuRuns: r.map((x) => x.cpuMs), idlePercent: idle[k]! * 100 };
            });
            rows.push(row);
            o.log(`  ${name} ${c.label}: ${servers.map((s) => `${s.name} ${row.servers[s.name]!.bytes} B ${row.servers[s.name]!.cpuMs.toFixed(2)} ms`).join(', ')}`);
          } finally {
            for (const cl of clients) cl.close();
          }
        }
      } finally {
        for (const s of servers) await s.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function formatPeerTable(rows: PeerRow[], o: Pick<PeerBenchOptions, 'iterations' | 'warmup'>): string {
  const names = Object.keys(rows[0]?.servers ?? {});
  const peers = names.filter((n) => n !== 'vramvnc');
  const head = ['picture', 'encoding', ...names.map((n) => `${n} bytes`), ...names.map((n) => `${n} ms`), 'bytes / best peer', 'ms / best peer'];
  const body = rows.map((r) => {
    const v = r.servers.vramvnc!;
    const bestBytes = Math.min(...peers.map((p) => r.servers[p]!.bytes));
    const bestMs = Math.min(...peers.map((p) => r.servers[p]!.cpuMs));
    return [
      r.frame,
      r.encoding,
      ...names.map((n) => r.servers[n]!.bytes.toLocaleString('en')),
      ...names.map((n) => r.servers[n]!.cpuMs.toFixed(2)),
      peers.length ? (v.bytes / bestBytes).toFixed(2) : '-',
      peers.length ? (v.cpuMs / bestMs).toFixed(2) : '-',
    ];
  });
  return [
    `one 1024x768 full frame per non-incremental request, lossless, CompressLevel 6, 32 bpp true colour; bytes = the whole FramebufferUpdate (median of ${o.iterations}); ms = server CPU time per frame (all its threads, /proc schedstat; median of ${o.iterations}, its idle rate taken off), frames taken from the servers in turn${o.warmup ? ` after ${o.warmup} uncounted frames from each` : ''}`,
    `machine: ${describeMachine()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    table(head, body),
  ].join('\n');
}
