// One back-off for every password check (issue 16): HTTP Basic on the web port is judged by the same
// gate as RFB's VNC Authentication (and so VeNCrypt's inner VncAuth and RFB over WebSocket): keyed by
// host, the same fixed delay before every refusal, the same answer whether wrong or blocked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { securityFromFlags } from '../../src/cli/security-flags.js';
import { idleGuest } from '../../src/guest/programs.js';
import { AuthBackoff } from '../../src/rfb/security/backoff.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { DEFAULT_WEB_SECURITY } from '../../src/transport/web-security.js';
import { connect, sleep, startApp, until } from '../helpers/app.js';
import { Wire } from './wire.js';

const PASSWORD = 'tr0ub4dor';
let app: VramVnc | null = null;
let logs: string[] = [];
afterEach(async () => {
  await app?.stop();
  app = null;
});

/** The server as `vramvnc serve --password-file` wires it (securityFromFlags): default delay and back-off. */
async function startLikeCli(): Promise<{ a: VramVnc; policy: SecurityPolicy }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-backoff-'));
  fs.writeFileSync(path.join(dir, 'pw'), `${PASSWORD}\n`);
  const sec = securityFromFlags(
    { vnc: { host: '127.0.0.1', port: 0 }, web: { host: '127.0.0.1', port: 0 }, passwordFile: path.join(dir, 'pw'), maxClients: 2000, maxCutText: 1 << 20, maxOutputMb: 32, handshakeTimeoutMs: 10_000 },
    () => {},
  );
  fs.rmSync(dir, { recursive: true, force: true });
  logs = [];
  app = await startApp(idleGuest, { log: (l) => logs.push(l), rfb: sec.rfb, webSecurity: sec.web });
  return { a: app, policy: sec.rfb.security! };
}

const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`user:${pw}`).toString('base64')}` });

/** One HTTP guess at /stats: its status and how long the answer took. */
async function httpGuess(a: VramVnc, pw: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${a.webUrl}stats`, { headers: basic(pw) });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0 };
}

/** One RFB guess (VNC Authentication, a wrong response): the SecurityResult and how long it took. */
async function rfbGuess(a: VramVnc): Promise<{ result: number; ms: number }> {
  const w = await Wire.connect(Wire.portOf(a.vncUrl!));
  await w.read(12);
  w.write('RFB 003.008\n');
  const n = (await w.read(1))[0]!;
  await w.read(n);
  w.write(Buffer.from([2]));
  await w.read(16);
  const t0 = performance.now();
  w.write(Buffer.alloc(16, 0x55));
  const result = (await w.read(4)).readUInt32BE(0);
  const ms = performance.now() - t0;
  w.close();
  return { result, ms };
}

/** `n` guesses, `parallel` at a time; the answers and the wall time. */
async function guesses<T>(n: number, parallel: number, one: () => Promise<T>): Promise<{ answers: T[]; seconds: number }> {
  const t0 = performance.now();
  const answers: T[] = [];
  for (let i = 0; i < n; i += parallel) answers.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, one))));
  return { answers, seconds: (performance.now() - t0) / 1000 };
}

const checked = () => logs.filter((l) => /wrong password/.test(l)).length;

/**
 * Passwords the back-off lets be checked in `seconds` from one host: `threshold`, then one more
 * each time a block ends (blocks of 10 s, doubling).
 */
function allowedChecks(threshold: number, seconds: number): number {
  let n = threshold;
  for (let t = 10, block = 10; t < seconds; block *= 2, t += block) n++;
  return n;
}

describe('one password back-off for RFB and HTTP Basic', () => {
  it('1,000 wrong HTTP passwords get the same back-off as 1,000 wrong RFB ones: 5 checked (one more per block that ended), every refusal after the fixed delay, then the right one refused too', async () => {
    const figures: string[] = [];
    let rfbChecked = 0;
    let rfbSeconds = 0;
    {
      const { a, policy } = await startLikeCli();
      const delay = policy.options.failureDelayMs;
      const { answers, seconds } = await guesses(1000, 100, () => rfbGuess(a));
      expect(answers.every((r) => r.result === 1)).toBe(true);
      expect(Math.min(...answers.map((r) => r.ms))).toBeGreaterThanOrEqual(delay - 5);
      await until('1,000 close lines', () => logs.filter((l) => / closed: /.test(l)).length === 1000, 20_000);
      rfbChecked = checked();
      rfbSeconds = seconds;
      figures.push(`RFB: 1,000 wrong passwords in ${seconds.toFixed(1)} s, ${rfbChecked} checked, each refused after >= ${delay} ms`);
      await app!.stop();
      app = null;
    }
    const { a, policy } = await startLikeCli();
    const delay = policy.options.failureDelayMs;
    const { answers, seconds } = await guesses(1000, 100, () => httpGuess(a, 'guess'));
    expect(answers.every((r) => r.status === 401)).toBe(true);
    expect(Math.min(...answers.map((r) => r.ms))).toBeGreaterThanOrEqual(delay - 5);
    const httpChecked = checked();
    figures.push(`HTTP: 1,000 wrong passwords in ${seconds.toFixed(1)} s, ${httpChecked} checked, each refused after >= ${delay} ms`);
    console.log(figures.join('\n'));
    // 5 (one more per block that ended during the run, on a slow machine): the rest met a blocked host
    const threshold = policy.options.backoff.options.threshold;
    expect(httpChecked).toBeGreaterThanOrEqual(threshold);
    expect(httpChecked).toBeLessThanOrEqual(allowedChecks(threshold, seconds));
    expect(rfbChecked).toBeGreaterThanOrEqual(threshold);
    expect(rfbChecked).toBeLessThanOrEqual(allowedChecks(threshold, rfbSeconds));
    expect(seconds).toBeGreaterThanOrEqual(rfbSeconds * 0.5); // no faster than RFB (same delays; generous for a noisy machine)
    expect(policy.options.backoff.blockedFor('127.0.0.1')).toBeGreaterThan(0);
    // blocked: the right password is refused, on the web port and over RFB, with the same answers
    const right = await httpGuess(a, PASSWORD);
    expect(right.status).toBe(401);
    expect(right.ms).toBeGreaterThanOrEqual(delay - 5);
    await expect(connect(a, { password: PASSWORD })).rejects.toThrow(/authentication failed/);
    expect(logs.filter((l) => /address blocked for another \d+ s/.test(l)).length).toBeGreaterThan(990);
  }, 120_000);

  it('wrong RFB passwords block HTTP Basic too; when the block ends the right password works on both', async () => {
    logs = [];
    const policy = new SecurityPolicy({ password: Buffer.from(PASSWORD), anonymousTls: false, failureDelayMs: 50, backoff: new AuthBackoff({ threshold: 3, initialBlockMs: 600 }) });
    app = await startApp(idleGuest, { log: (l) => logs.push(l), rfb: { security: policy }, webSecurity: { ...DEFAULT_WEB_SECURITY, password: Buffer.from(PASSWORD) } });
    for (let i = 0; i < 3; i++) await expect(connect(app, { password: 'nope' })).rejects.toThrow(/authentication failed/);
    expect((await httpGuess(app, PASSWORD)).status).toBe(401);
    expect(logs.some((l) => /HTTP \/stats refused: address blocked/.test(l))).toBe(true);
    await sleep(700);
    expect((await httpGuess(app, PASSWORD)).status).toBe(200);
    const c = await connect(app, { password: PASSWORD });
    await c.waitFirstFrame();
    c.close();
  });

  it('a request without credentials is a challenge, not a guess: answered at once, never counted', async () => {
    const { a, policy } = await startLikeCli();
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await fetch(`${a.webUrl}screenshot.png`);
      expect(res.status).toBe(401);
      expect(performance.now() - t0).toBeLessThan(policy.options.failureDelayMs);
    }
    expect(policy.options.backoff.size).toBe(0);
    expect((await httpGuess(a, PASSWORD)).status).toBe(200);
  });
});
