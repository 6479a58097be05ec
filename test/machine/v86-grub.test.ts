// GRUB's gfxterm menu (1024x768x32 through Bochs VBE) on the v86 machine: pixel-exact against QEMU's
// screen of the same ISO, and against /screenshot.png in TigerVNC, gtk-vnc and noVNC; Down moves the
// highlight on both.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { connect, type Screen } from '../../client/screen/session.js';
import { countDiff, fetchScreenshot, sleep, toPng, type Rgba } from '../helpers/app.js';
import type { Qemu } from '../screen/helpers.js';
import { findInside, run, Xvfb } from '../clients/x11.js';
import { openBrowser, readCanvas } from '../browser/chromium.js';
import type { V86Machine } from '../../src/machine/v86/machine.js';
import { ensureGuests, GRUB_ISO, startQemuI386, startV86 } from './v86-helpers.js';

let app: VramVnc;
let qemu: Qemu;
let ours: Screen;
let theirs: Screen;
const OUT = path.resolve('test-output');

function save(name: string, img: Rgba): void {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, name), toPng(img));
}

/** Both screens still and equal (GRUB draws its menu in several passes): the last difference. */
async function settle(a: Screen, b: Screen, timeoutMs = 90_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let diff = Infinity;
  while (Date.now() < deadline) {
    await Promise.all([a.waitStill({ stillMs: 1500, timeoutMs: 60_000 }), b.waitStill({ stillMs: 1500, timeoutMs: 60_000 })]);
    diff = countDiff(a.image(), b.image());
    if (diff === 0) return 0;
    await sleep(500);
  }
  save('grub-ours.actual.png', a.image());
  save('grub-qemu.expected.png', b.image());
  return diff;
}

beforeAll(async () => {
  ensureGuests();
  [app, qemu] = await Promise.all([startV86({ cdrom: GRUB_ISO }), startQemuI386(['-cdrom', GRUB_ISO, '-boot', 'd'])]);
  ours = await connect(app.vncUrl!, { timeoutMs: 90_000 });
  theirs = await connect(qemu.url, { timeoutMs: 90_000 });
  // GRUB's menu: 1024x768 on both
  await ours.client.waitUntil(() => ours.width === 1024 && ours.height === 768, 90_000);
  await theirs.client.waitUntil(() => theirs.width === 1024 && theirs.height === 768, 90_000);
}, 180_000);

afterAll(async () => {
  await ours?.close();
  await theirs?.close();
  await qemu?.stop();
  await app?.stop();
});

describe('GRUB on the v86 machine', () => {
  it('its menu is pixel-exact against QEMU TCG on the same ISO, and equal to /screenshot.png', async () => {
    expect(await settle(ours, theirs)).toBe(0);
    expect(app.device.modeName).toBe('VBE 1024x768x32');
    expect(countDiff(ours.image(), await fetchScreenshot(app))).toBe(0);
    save('grub-menu.png', ours.image());
  }, 120_000);

  it("TigerVNC's vncviewer window shows exactly /screenshot.png", async () => {
    const x = new Xvfb();
    await x.start(1280, 1024);
    const port = Number(new URL(app.vncUrl!.replace('vnc://', 'http://')).port);
    const viewer: ChildProcess = spawn('vncviewer', [`127.0.0.1::${port}`, '-Shared=1', '-RemoteResize=0', '-AlertOnFatalError=0'], { env: x.env, stdio: 'ignore' });
    try {
      const truth = await fetchScreenshot(app);
      let at: { x: number; y: number } | null = null;
      let shot: Rgba | null = null;
      for (let i = 0; i < 150 && !at; i++) {
        await sleep(300);
        shot = await x.screenshot();
        at = findInside(shot, truth);
      }
      if (!at && shot) save('grub-tigervnc.actual.png', shot);
      expect(at).not.toBeNull();
    } finally {
      viewer.kill('SIGTERM');
      x.stop();
    }
  }, 120_000);

  it("gtk-vnc's gvnccapture writes exactly /screenshot.png", async () => {
    const port = Number(new URL(app.vncUrl!.replace('vnc://', 'http://')).port);
    const file = path.join(os.tmpdir(), `gvnccapture-grub-${process.pid}.png`);
    const r = await run('gvnccapture', ['--quiet', `127.0.0.1:${port - 5900}`, file]);
    expect(r.code, r.out).toBe(0);
    const png = PNG.sync.read(fs.readFileSync(file));
    fs.rmSync(file, { force: true });
    expect(countDiff(png, await fetchScreenshot(app))).toBe(0);
  }, 60_000);

  it("noVNC's canvas in Chromium (the built-in viewer, lossless) shows exactly /screenshot.png", async () => {
    const b = await openBrowser();
    try {
      await b.page.goto(`${app.webUrl}?lossless=1`);
      await b.page.waitForFunction(() => {
        const c = document.querySelector('#screen canvas') as HTMLCanvasElement | null;
        return (window as any).viewer?.connected && c && c.width === 1024 && c.height === 768;
      });
      const truth = await fetchScreenshot(app);
      let diff = Infinity;
      for (let i = 0; i < 100 && diff !== 0; i++) {
        await sleep(100);
        diff = countDiff(await readCanvas(b.page), truth);
      }
      expect(diff).toBe(0);
    } finally {
      await b.close();
    }
  }, 60_000);

  it('a Down key moves the highlight, on both, and the screens stay pixel-exact, across a WebAssembly memory growth', async () => {
    // gvnccapture connects non-shared, which disconnects the other viewers (RFC 6143 7.3.1): connect anew
    await ours.close();
    ours = await connect(app.vncUrl!, { timeoutMs: 30_000 });
    expect(await settle(ours, theirs)).toBe(0);
    // v86's memory grows while guests run, detaching every view of it: nothing of ours may keep one
    const wasm = (app.machine as V86Machine).core.cpu.wasm_memory;
    const old = wasm.buffer;
    wasm.grow(64); // +4 MiB
    expect(old.byteLength).toBe(0); // detached
    const before = ours.image();
    const copy = { width: before.width, height: before.height, data: Uint8Array.from(before.data) };
    await Promise.all([
      ours.waitChange(() => ours.sendKey('down'), { timeoutMs: 30_000 }),
      theirs.waitChange(() => theirs.sendKey('down'), { timeoutMs: 30_000 }),
    ]);
    expect(await settle(ours, theirs)).toBe(0);
    const after = ours.image();
    expect(countDiff(copy, after)).toBeGreaterThan(0);
    // the first entry's row lost the highlight and the second one has it: compare a pixel of each row's background
    const px = (img: Rgba, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    const row1 = 82;
    const row2 = 98;
    expect(px(after, 600, row2)).toEqual(px(copy, 600, row1));
    expect(px(after, 600, row1)).toEqual(px(copy, 600, row2));
    expect(countDiff(after, await fetchScreenshot(app))).toBe(0);
  }, 120_000);
});
