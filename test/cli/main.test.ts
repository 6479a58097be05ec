// The CLI as people run it: real processes, real ports, exit codes and the exact lines printed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { countDiff } from '../helpers/app.js';

const MAIN = path.resolve('dist/src/cli/main.js');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Start `vramvnc serve ...` and resolve with the URLs it prints. */
function serve(args: string[]): Promise<{ child: ChildProcess; vnc: string; web: string; lines: string[] }> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--vnc', '127.0.0.1:0', '--web', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const lines = out.split('\n').filter(Boolean);
      if (lines.length >= 2) {
        const vnc = /^vnc: listening on (vnc:\/\/\S+)$/.exec(lines[0]!)?.[1];
        const web = /^web: listening on (http:\/\/\S+\/)$/.exec(lines[1]!)?.[1];
        if (vnc && web) resolve({ child, vnc, web, lines });
        else reject(new Error(`unexpected output: ${out}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function run(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
}

async function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('vramvnc serve / screenshot', () => {
  it('prints one exact line per endpoint; `screenshot` writes a PNG equal to /screenshot.png', async () => {
    const { child, vnc, web } = await serve(['--guest', 'idle']);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-')), 'shot.png');
    const r = await runAsync(['screenshot', vnc, out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${out}: 1024x768 from vramvnc (idle)\n`);
    const truth = PNG.sync.read(Buffer.from(await (await fetch(`${web}screenshot.png`)).arrayBuffer()));
    expect(countDiff(PNG.sync.read(fs.readFileSync(out)), truth)).toBe(0);
    const stats = await (await fetch(`${web}stats`)).json();
    expect(stats.tracking.mode).toBe('dirty');
    expect(stats.connections).toBe(1);
    const exited = new Promise((r) => child.on('exit', (code, sig) => r([code, sig])));
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  });

  it('a port in use: one clear line on stderr and exit code 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const r = await runAsync(['serve', '--vnc', `127.0.0.1:${port}`, '--web', 'off']);
    blocker.close();
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`vramvnc: 127.0.0.1:${port} is already in use\n`);
  });

  it('an unknown guest or a bad flag: one line and exit code 2', () => {
    const a = run(['serve', '--guest', 'nope', '--vnc', 'off', '--web', 'off']);
    expect(a.status).toBe(2);
    expect(a.stderr).toBe("vramvnc: unknown guest 'nope' (known: idle, desktop, random, bios, terminal, mode13, planar, modes, video[:WxH], image:<file.png>)\n");
    const b = run(['serve', '--tracking', 'fast']);
    expect(b.status).toBe(2);
    expect(b.stderr).toBe("error: option '--tracking <mode>' argument 'fast' is invalid. Allowed choices are dirty, dirty-nodrop, scan, hw.\n");
    const c = run(['serve', '--vram-mb', 'lots']);
    expect(c.status).toBe(2);
    expect(c.stderr).toBe("error: option '--vram-mb <n>' argument 'lots' is invalid. --vram-mb must be an integer from 1 to 256\n");
    const d = run(['serve', '--vnc', 'localhost']);
    expect(d.status).toBe(2);
    expect(d.stderr).toBe("error: option '--vnc <host:port|off>' argument 'localhost' is invalid. --vnc: expected HOST:PORT, got 'localhost'\n");
  });

  it('screenshot of an address where nothing listens fails clearly with a non-zero exit', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const r = await runAsync(['screenshot', `vnc://127.0.0.1:${port}`, '/tmp/never.png', '--timeout-ms', '3000']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^vramvnc: cannot connect to vnc://127.0.0.1:${port}: socket error: connect ECONNREFUSED`));
  });
});
