// `vramvnc bench throughput`: the `video` guest (every pixel of a region changing every 10 ms)
// delivered to 1, 10 and 100 viewer-like clients: frames/s delivered, bytes/frame, server CPU.
import { EncodingType, encodingName } from '../rfb/wire/encodings.js';
import { CountingClient } from './counting-client.js';
import { sampleProcess } from './proc.js';
import { startServerProcess } from './server-process.js';
import { median, table } from './stats.js';

export interface ThroughputOptions {
  seconds: number;
  clients: number[];
  encodings: number[];
  regions: string[]; // guest names: video, video:640x480
  log: (line: string) => void;
}

export interface ThroughputResult {
  guest: string;
  encoding: string;
  clients: number;
  fpsPerClient: number;
  fpsMin: number;
  bytesPerFrame: number;
  serverCpuPercent: number;
  serverRssMiB: number;
}

export async function benchThroughputCase(guest: string, encoding: number, n: number, seconds: number): Promise<ThroughputResult> {
  const server = await startServerProcess(['--guest', guest, '--max-clients', String(Math.max(100, n + 5))]);
  const clients: CountingClient[] = [];
  try {
    for (let i = 0; i < n; i++) clients.push(await CountingClient.connect(server.vnc, encoding));
    await new Promise((r) => setTimeout(r, 1000)); // warm up
    const u0 = clients.map((c) => c.updates);
    const b0 = clients.map((c) => c.bytes);
    const p0 = sampleProcess(server.child.pid!);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const p1 = sampleProcess(server.child.pid!);
    const secs = (p1.at - p0.at) / 1000;
    const fps = clients.map((c, i) => (c.updates - u0[i]!) / secs);
    const frames = clients.reduce((a, c, i) => a + c.updates - u0[i]!, 0);
    const bytes = clients.reduce((a, c, i) => a + c.bytes - b0[i]!, 0);
    const dead = clients.filter((c) => c.closed).length;
    if (dead) throw new Error(`${dead} client(s) were disconnected: ${clients.find((c) => c.closed)!.closed}`);
    return {
      guest,
      encoding: encodingName(encoding),
      clients: n,
      fpsPerClient: median(fps),
      fpsMin: Math.min(...fps),
      bytesPerFrame: frames ? bytes / frames : 0,
      serverCpuPercent: ((p1.cpuMs - p0.cpuMs) / (p1.at - p0.at)) * 100,
      serverRssMiB: p1.rssBytes / 2 ** 20,
    };
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
}

export async function benchThroughput(o: ThroughputOptions): Promise<ThroughputResult[]> {
  const out: ThroughputResult[] = [];
  for (const guest of o.regions)
    for (const enc of o.encodings)
      for (const n of o.clients) {
        o.log(`bench throughput: ${guest}, ${encodingName(enc)}, ${n} client(s)...`);
        out.push(await benchThroughputCase(guest, enc, n, o.seconds));
      }
  return out;
}

export function formatThroughputTable(rs: ThroughputResult[], o: ThroughputOptions): string {
  return [
    `video guest: a new frame every 10 ms (100 frames/s offered); ${o.seconds} s per case after 1 s warm-up; clients keep one incremental request outstanding and skip pixel data (no decoding); server CPU from /proc (100% = one core)`,
    table(
      ['guest', 'encoding', 'clients', 'frames/s per client (median)', 'min', 'bytes/frame', 'server CPU %', 'server RSS MiB'],
      rs.map((r) => [r.guest, r.encoding, String(r.clients), r.fpsPerClient.toFixed(1), r.fpsMin.toFixed(1), r.bytesPerFrame.toFixed(0), r.serverCpuPercent.toFixed(1), r.serverRssMiB.toFixed(0)]),
    ),
  ].join('\n');
}

export interface SlowClientResult {
  seconds: number;
  /** peak RSS over the control period (one viewer) */
  rssBeforeMiB: number;
  rssMaxMiB: number;
  growthMiB: number;
  frameMiB: number;
  liveFpsBefore: number;
  liveFpsDuring: number;
  stuckDisconnected: boolean;
}

/**
 * One live viewer on the full-screen video guest: the server's peak RSS over `seconds` (control),
 * then the same with a second client that keeps requesting but never reads.
 */
export async function benchSlowClient(seconds: number, log: (l: string) => void): Promise<SlowClientResult> {
  const server = await startServerProcess(['--guest', 'video', '--stall-timeout-ms', String((seconds + 30) * 1000)]);
  const live = await CountingClient.connect(server.vnc, EncodingType.Raw);
  const pid = server.child.pid!;
  const watch = async () => {
    let rssMax = 0;
    const u = live.updates;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 100));
      rssMax = Math.max(rssMax, sampleProcess(pid).rssBytes);
    }
    return { rssMax, fps: (live.updates - u) / ((performance.now() - t0) / 1000) };
  };
  try {
    await new Promise((r) => setTimeout(r, 2000));
    log(`bench slow-client: control, one viewer, ${seconds} s...`);
    const control = await watch();
    const stuck = await CountingClient.connect(server.vnc, EncodingType.Raw);
    stuck.pause(true);
    log(`bench slow-client: a second client stops reading for ${seconds} s while video runs...`);
    const during = await watch();
    const result = {
      seconds,
      rssBeforeMiB: control.rssMax / 2 ** 20,
      rssMaxMiB: during.rssMax / 2 ** 20,
      growthMiB: (during.rssMax - control.rssMax) / 2 ** 20,
      frameMiB: (1024 * 768 * 4) / 2 ** 20,
      liveFpsBefore: control.fps,
      liveFpsDuring: during.fps,
      stuckDisconnected: stuck.closed !== null,
    };
    stuck.close();
    return result;
  } finally {
    live.close();
    await server.stop();
  }
}
