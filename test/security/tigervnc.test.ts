// A real client: TigerVNC's vncviewer (on an Xvfb display) with a password file written by TigerVNC's
// vncpasswd, over plain VNC Authentication and over VeNCrypt X509Vnc / TLSVnc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { readPasswordFile } from '../../src/rfb/security/password-file.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { loadTlsCredentials } from '../../src/rfb/security/tls.js';
import { sleep, startApp } from '../helpers/app.js';
import { makeSelfSignedCert, type CertFiles } from './tls-fixture.js';

let dir: string;
let certs: CertFiles;
let app: VramVnc | null = null;
let viewer: ChildProcess | null = null;
let logs: string[] = [];

/** A password file exactly as TigerVNC writes it. */
function vncpasswd(file: string, password: string): void {
  fs.writeFileSync(file, execFileSync('vncpasswd', ['-f'], { input: `${password}\n` }));
}

beforeAll(() => {
  for (const tool of ['vncviewer', 'vncpasswd', 'Xvfb']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing: install tigervnc-viewer, tigervnc-tools and xvfb (see .ci/run)`);
    }
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-tiger-'));
  vncpasswd(path.join(dir, 'good.passwd'), 'g00dpass');
  vncpasswd(path.join(dir, 'bad.passwd'), 'letmein');
  certs = makeSelfSignedCert();
  return startXvfb();
});
afterAll(async () => {
  await stopProcess(xvfb);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(certs.dir, { recursive: true, force: true });
});
afterEach(async () => {
  await stopViewer();
  await app?.stop();
  app = null;
});

let xvfb: ChildProcess | null = null;
let display = '';

/** Our own Xvfb (not xvfb-run, so that we start, stop and reap every process ourselves). */
async function startXvfb(): Promise<void> {
  const x = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  xvfb = x;
  display = await new Promise<string>((resolve, reject) => {
    let got = '';
    x.stdio[3]!.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\n')) resolve(`:${got.trim()}`);
    });
    x.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
}

async function stopProcess(p: ChildProcess | null): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((resolve) => p.once('exit', resolve));
  p.kill('SIGTERM');
  // vncviewer inside a TLS certificate dialog may not leave on SIGTERM: make sure it goes
  const t = setTimeout(() => p.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

async function stopViewer(): Promise<void> {
  await stopProcess(viewer);
  viewer = null;
}

async function start(anonymousTls = false): Promise<VramVnc> {
  logs = [];
  const pw = readPasswordFile(path.join(dir, 'good.passwd'));
  expect(pw.format).toBe('vncpasswd');
  app = await startApp(idleGuest, {
    log: (l) => logs.push(l),
    rfb: { security: new SecurityPolicy({ password: pw.password, tls: loadTlsCredentials(certs.cert, certs.key), anonymousTls, failureDelayMs: 50 }) },
  });
  return app;
}

function runViewer(a: VramVnc, passwdFile: string, securityTypes: string, extra: string[] = []): void {
  const port = /:(\d+)$/.exec(a.vncUrl!)![1];
  viewer = spawn('vncviewer', ['-passwd', passwdFile, ...(securityTypes ? ['-SecurityTypes', securityTypes] : []), ...extra, `127.0.0.1::${port}`], {
    stdio: 'ignore',
    env: { ...process.env, HOME: dir, DISPLAY: display },
  });
}

async function until(what: string, pred: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; server log:\n${logs.join('\n')}`);
    await sleep(50);
  }
}

/**
 * The viewer authenticated and pulled the whole 1024x768 screen: an update went out and nothing is
 * left pending (in any encoding: Tight, its default, takes far fewer bytes than Raw's 3 MiB).
 */
async function viewerGotScreen(a: VramVnc): Promise<void> {
  await until('the viewer to get a full frame', () =>
    [...a.rfb.sessions].some((s) => s.state === 'Normal' && s.counters.updates >= 1 && s.counters.rects >= 1 && s.pendingChunks === 0),
  );
}

describe('TigerVNC vncviewer', () => {
  it('authenticates with VNC Authentication from a vncpasswd file', async () => {
    const a = await start();
    runViewer(a, path.join(dir, 'good.passwd'), 'VncAuth');
    await viewerGotScreen(a);
    const s = [...a.rfb.sessions][0]!;
    expect(s.encodings.length).toBeGreaterThan(3); // a real viewer's SetEncodings list arrived
  });

  it('is refused with the wrong password, and the failure is logged', async () => {
    const a = await start();
    runViewer(a, path.join(dir, 'bad.passwd'), 'VncAuth');
    await until('the failure line', () => logs.some((l) => l.includes('closed:')));
    const line = logs.find((l) => l.includes('closed:'))!;
    expect(line).toMatch(/RFB 3\.8, security VncAuth, auth failed, .* closed: RFB_ERR_AUTH_FAILED: wrong password$/);
    expect(logs.join('\n')).not.toMatch(/g00dpass|letmein/);
  });

  it('authenticates over VeNCrypt X509Vnc, trusting our self-signed certificate', async () => {
    const a = await start();
    runViewer(a, path.join(dir, 'good.passwd'), 'X509Vnc', ['-X509CA', certs.cert]);
    await viewerGotScreen(a);
    a.rfb.closeAll('test over');
    await until('the close line', () => logs.some((l) => l.includes('closed:')));
    expect(logs.find((l) => l.includes('closed:'))).toContain('security VeNCrypt, VeNCrypt X509Vnc, auth ok');
  });

  it('with its default security types, takes TLS (X509Vnc) when a certificate is given', async () => {
    const a = await start();
    runViewer(a, path.join(dir, 'good.passwd'), '', ['-X509CA', certs.cert]); // '': no -SecurityTypes
    await viewerGotScreen(a);
    a.rfb.closeAll('test over');
    await until('the close line', () => logs.some((l) => l.includes('closed:')));
    expect(logs.find((l) => l.includes('closed:'))).toContain('security VeNCrypt, VeNCrypt X509Vnc, auth ok');
  });

  it('authenticates over VeNCrypt TLSVnc (anonymous TLS, when asked for)', async () => {
    const a = await start(true);
    runViewer(a, path.join(dir, 'good.passwd'), 'TLSVnc');
    await viewerGotScreen(a);
    a.rfb.closeAll('test over');
    await until('the close line', () => logs.some((l) => l.includes('closed:')));
    expect(logs.find((l) => l.includes('closed:'))).toContain('security VeNCrypt, VeNCrypt TLSVnc, auth ok');
  });
});
