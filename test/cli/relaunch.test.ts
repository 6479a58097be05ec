// The server's V8 flags however it is started: `node dist/src/cli/main.js serve` (no flags) runs
// itself again with SERVER_V8_FLAGS and waits; the served process has them, the waiting one
// runs nothing; both go when the started one is killed; exit codes pass through; an embedding
// program gets the same from a small entry that calls relaunchWithServerV8Flags first.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { alive, processTree } from '../../src/bench/proc.js';
import { SERVER_V8_FLAGS } from '../../src/runtime/v8-flags.js';
import { sleep } from '../helpers/app.js';

const MAIN = path.resolve('dist/src/cli/main.js');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const cmdline = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

function start(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (/vnc: listening on \S+\n/.test(out)) resolve({ child, out });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

describe('serve sets its own V8 flags', () => {
  it('started as plain `node main.js serve`, it serves from a child with its V8 flags and both stop on SIGTERM', async () => {
    expect(SERVER_V8_FLAGS).toContain('--no-memory-reducer');
    const { child, out } = await start([MAIN, 'serve', '--guest', 'idle', '--vnc', '127.0.0.1:0', '--web', 'off', '--quiet']);
    for (const f of SERVER_V8_FLAGS) expect(cmdline(child.pid!)).not.toContain(f);
    const tree = processTree(child.pid!);
    expect(tree.length).toBe(2);
    const served = tree[1]!;
    for (const f of SERVER_V8_FLAGS) expect(cmdline(served)).toContain(f);
    const url = /vnc: listening on (\S+)/.exec(out)![1]!;
    const c = await RfbClient.connect(url, { timeoutMs: 20_000 });
    await c.waitFirstFrame();
    expect(c.width).toBe(1024);
    c.close();
    const exited = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
    child.kill('SIGTERM');
    expect(await exited).toBe(0); // the child stopped cleanly and its exit code came through
    for (let i = 0; i < 100 && alive(served); i++) await sleep(50);
    expect(alive(served)).toBe(false);
  });

  it('with the flags already on node\'s command line it serves from the process itself', async () => {
    const { child } = await start([...SERVER_V8_FLAGS, MAIN, 'serve', '--guest', 'idle', '--vnc', '127.0.0.1:0', '--web', 'off', '--quiet']);
    expect(processTree(child.pid!)).toEqual([child.pid]);
  });

  it("the bin's shebang and `npm start` pass exactly the server's flags (so neither runs a second process)", () => {
    const shebang = fs.readFileSync('src/cli/main.ts', 'utf8').split('\n')[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${SERVER_V8_FLAGS.join(' ')}`);
    const start = JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts.start as string;
    expect(start).toBe(`node ${SERVER_V8_FLAGS.join(' ')} dist/src/cli/main.js serve`);
  });

  it("passes the child's exit code and error message through", () => {
    const r = spawnSync(process.execPath, [MAIN, 'serve', '--guest', 'no-such-guest', '--vnc', '127.0.0.1:0', '--web', 'off'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-such-guest/);
  });

  it('an embedding program whose small entry calls relaunchWithServerV8Flags before loading the rest runs with the flags', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-embed-'));
    try {
      const entry = path.join(dir, 'entry.mjs');
      fs.writeFileSync(entry, `import { relaunchWithServerV8Flags } from ${JSON.stringify(path.resolve('dist/src/runtime/v8-flags.js'))};\nif (!relaunchWithServerV8Flags()) await import('./program.mjs');\n`);
      fs.writeFileSync(path.join(dir, 'program.mjs'), `process.stdout.write(JSON.stringify(process.execArgv) + ' ' + process.argv.slice(2).join(','));\nprocess.exit(7);\n`);
      const r = spawnSync(process.execPath, [entry, 'a', 'b'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(7);
      expect(r.stdout).toBe(`${JSON.stringify(SERVER_V8_FLAGS)} a,b`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
