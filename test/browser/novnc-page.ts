// Test helper: noVNC deployed the common way, on its own: Debian's websockify serves a page that
// loads the noVNC library (node_modules/@novnc/novnc) and forwards its WebSocket to our TCP port.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { novncRoot } from '../../src/transport/web-viewer.js';
import { openBrowser, type Browser } from './chromium.js';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>bare noVNC</title></head>
<body style="margin:0">
<div id="screen" style="width:1100px;height:800px"></div>
<script type="module">
import RFB from './novnc/core/rfb.js';
const q = new URLSearchParams(location.search);
const events = [];
window.novncEvents = events;
window.connectRfb = (password) => {
  const rfb = new RFB(document.getElementById('screen'), 'ws://' + location.host + '/websockify',
    password === null ? {} : { credentials: { password } });
  rfb.scaleViewport = false;
  rfb.addEventListener('connect', () => events.push('connect'));
  rfb.addEventListener('disconnect', (e) => events.push('disconnect ' + (e.detail.clean ? 'clean' : 'unclean')));
  rfb.addEventListener('securityfailure', (e) => events.push('securityfailure ' + e.detail.reason));
  rfb.addEventListener('credentialsrequired', () => events.push('credentialsrequired'));
  rfb.addEventListener('clipboard', (e) => events.push('clipboard ' + e.detail.text));
  window.rfb = rfb;
};
window.pageReady = true;
</script>
</body></html>
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number, proc: ChildProcess, log: string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`websockify exited with ${proc.exitCode}:\n${log.join('')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`websockify did not listen on ${port}:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface NovncPage {
  browser: Browser;
  /** http://127.0.0.1:<port>/ of websockify's web server */
  url: string;
  /** websockify's output, for failure reports */
  log: string[];
  /** Start noVNC's RFB against the VNC server behind websockify; resolves when it connected. */
  connect(password: string | null): Promise<void>;
  events(): Promise<string[]>;
  close(): Promise<void>;
}

/** websockify on a free loopback port in front of vncPort, and Chromium on its page. */
export async function openNovncPage(vncPort: number): Promise<NovncPage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-websockify-'));
  fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
  fs.symlinkSync(novncRoot(), path.join(dir, 'novnc'));
  const port = await freePort();
  const log: string[] = [];
  const proc = spawn('websockify', ['--web', dir, `127.0.0.1:${port}`, `127.0.0.1:${vncPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  let browser: Browser;
  try {
    await listening(port, proc, log);
    browser = await openBrowser();
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `http://127.0.0.1:${port}/`;
  await browser.page.goto(url);
  await browser.page.waitForFunction(() => (window as any).pageReady === true);
  const page: NovncPage = {
    browser,
    url,
    log,
    async connect(password) {
      await browser.page.evaluate((pw) => (window as any).connectRfb(pw), password);
      await browser.page.waitForFunction(() => {
        const e = (window as any).novncEvents as string[];
        return e.some((x) => x === 'connect' || x.startsWith('disconnect') || x.startsWith('securityfailure'));
      });
      const ev = await page.events();
      if (!ev.includes('connect')) throw new Error(`noVNC did not connect: ${ev.join('; ')}\n${browser.console.join('\n')}`);
    },
    events: () => browser.page.evaluate(() => [...((window as any).novncEvents as string[])]),
    async close() {
      await browser.close();
      await stop();
    },
  };
  return page;
}
