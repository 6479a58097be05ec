// Real viewers against a running vramvnc (a v86 guest sitting still): each must show exactly what
// /screenshot.png shows. TigerVNC's vncviewer window under Xvfb, gtk-vnc's gvnccapture, noVNC's canvas
// in Chromium (the built-in viewer, lossless). Shared by the GRUB and Linux suites, per tracking.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { VramVnc } from '../../src/app.js';
import { countDiff, fetchScreenshot, sleep, toPng, type Rgba } from '../helpers/app.js';
import { findInside, run, Xvfb } from '../clients/x11.js';
import { openBrowser, readCanvas } from '../browser/chromium.js';

const OUT = path.resolve('test-output');

export function saveImage(name: string, img: Rgba): void {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, name), toPng(img));
}

const vncPort = (app: VramVnc) => Number(new URL(app.vncUrl!.replace('vnc://', 'http://')).port);

/** Where /screenshot.png sits inside TigerVNC's window on a 1280x1024 Xvfb (null: nowhere); saves the last shot as `<tag>-tigervnc.actual.png` if so. */
export async function tigerVncShowsScreenshot(app: VramVnc, tag: string): Promise<{ x: number; y: number } | null> {
  const x = new Xvfb();
  await x.start(1280, 1024);
  const viewer: ChildProcess = spawn('vncviewer', [`127.0.0.1::${vncPort(app)}`, '-Shared=1', '-RemoteResize=0', '-AlertOnFatalError=0'], { env: x.env, stdio: 'ignore' });
  try {
    const truth = await fetchScreenshot(app);
    let at: { x: number; y: number } | null = null;
    let shot: Rgba | null = null;
    for (let i = 0; i < 150 && !at; i++) {
      await sleep(300);
      shot = await x.screenshot();
      at = findInside(shot, truth);
    }
    if (!at && shot) saveImage(`${tag}-tigervnc.actual.png`, shot);
    return at;
  } finally {
    viewer.kill('SIGTERM');
    x.stop();
  }
}

/**
 * Pixels where gvnccapture's PNG differs from /screenshot.png. gvnccapture connects non-shared, which
 * disconnects the server's other viewers (RFC 6143 7.3.1): connect them anew afterwards.
 */
export async function gvncCaptureDiff(app: VramVnc, tag: string): Promise<number> {
  const file = path.join(os.tmpdir(), `gvnccapture-${tag}-${process.pid}.png`);
  const r = await run('gvnccapture', ['--quiet', `127.0.0.1:${vncPort(app) - 5900}`, file]);
  if (r.code !== 0) throw new Error(`gvnccapture exited with ${r.code}: ${r.out}`);
  const png = PNG.sync.read(fs.readFileSync(file));
  fs.rmSync(file, { force: true });
  return countDiff(png, await fetchScreenshot(app));
}

/** Pixels where noVNC's canvas (the built-in viewer, ?lossless=1) differs from /screenshot.png, once it converged (10 s at most). */
export async function noVncDiff(app: VramVnc, width: number, height: number): Promise<number> {
  const b = await openBrowser();
  try {
    await b.page.goto(`${app.webUrl}?lossless=1`);
    await b.page.waitForFunction(
      ([w, h]) => {
        const c = document.querySelector('#screen canvas') as HTMLCanvasElement | null;
        return (window as any).viewer?.connected && c && c.width === w && c.height === h;
      },
      [width, height],
    );
    const truth = await fetchScreenshot(app);
    let diff = Infinity;
    for (let i = 0; i < 100 && diff !== 0; i++) {
      await sleep(100);
      diff = countDiff(await readCanvas(b.page), truth);
    }
    return diff;
  } finally {
    await b.close();
  }
}
