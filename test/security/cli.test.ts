// `vramvnc serve` security flags, run as the real command (dist/, built by `npm test`'s tsc).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RfbClient } from '../../client/headless/rfb-client.js';

const MAIN = path.resolve('dist/src/cli/main.js');
let dir: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -p . first (npm test does)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-cli-'));
  fs.writeFileSync(path.join(dir, 'pw'), 'clipass\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('vramvnc serve security flags', () => {
  it.each([
    [['--vnc', '0.0.0.0:0', '--web', 'off'], '0.0.0.0'],
    [['--vnc', '127.0.0.1:0', '--web', '[::]:0'], '::'],
  ])('refuses %j without a password, in one line, exit 2', async (args, host) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vramvnc: refusing to listen on ${host} without a password: give --password-file, or --insecure-no-auth to allow anyone who can reach it\n`);
  });

  it('refuses --tls-cert without --tls-key, and a missing password file', async () => {
    expect(await run(['--web', 'off', '--tls-cert', 'x.pem'])).toMatchObject({ code: 2, stderr: 'vramvnc: --tls-cert and --tls-key go together\n' });
    const r = await run(['--web', 'off', '--password-file', path.join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read --password-file');
  });

  it('serves VNC Authentication with --password-file, logs the connection, never the password', async () => {
    const p = spawn(process.execPath, [MAIN, 'serve', '--guest', 'idle', '--vnc', '127.0.0.1:0', '--web', 'off', '--password-file', path.join(dir, 'pw')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
        const m = /vnc: listening on (vnc:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      p.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    await expect(RfbClient.connect(url, { password: 'wrong' })).rejects.toThrow('authentication failed');
    const c = await RfbClient.connect(url, { password: 'clipass' });
    await c.waitFirstFrame();
    c.close();
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    expect(stderr).toMatch(/security VncAuth, auth failed, .*closed: RFB_ERR_AUTH_FAILED: wrong password/);
    expect(stderr).toMatch(/security VncAuth, auth ok, /);
    expect(stderr).not.toContain('clipass');
  });
});
