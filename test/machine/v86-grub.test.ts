// GRUB's gfxterm menu (1024x768x32 through Bochs VBE) on the v86 machine, once per tracking backend
// (v86's own dirty log; the host's page tables with --tracking hw, or its fallback where the addon
// cannot run): pixel-exact against QEMU's screen of the same ISO, and against /screenshot.png in
// TigerVNC, gtk-vnc and noVNC; Down moves the highlight on both (Up brings it back for the next backend).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { connect, type Screen } from '../../client/screen/session.js';
import { countDiff, fetchScreenshot, sleep, type Rgba } from '../helpers/app.js';
import type { Qemu } from '../screen/helpers.js';
import type { V86Machine } from '../../src/machine/v86/machine.js';
import { loadHwtrack } from '../../src/hypervisor/hwtrack-addon.js';
import { ensureGuests, GRUB_ISO, startQemuI386, startV86 } from './v86-helpers.js';
import { gvncCaptureDiff, noVncDiff, saveImage, tigerVncShowsScreenshot } from './v86-viewers.js';

const hw = loadHwtrack();
let qemu: Qemu;
let theirs: Screen;

/** Both screens still and equal (GRUB draws its menu in several passes): the last difference. */
async function settle(a: Screen, b: Screen, tag: string, timeoutMs = 90_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let diff = Infinity;
  while (Date.now() < deadline) {
    await Promise.all([a.waitStill({ stillMs: 1500, timeoutMs: 60_000 }), b.waitStill({ stillMs: 1500, timeoutMs: 60_000 })]);
    diff = countDiff(a.image(), b.image());
    if (diff === 0) return 0;
    await sleep(500);
  }
  saveImage(`grub-${tag}-ours.actual.png`, a.image());
  saveImage(`grub-${tag}-qemu.expected.png`, b.image());
  return diff;
}

const copyOf = (img: Rgba): Rgba => ({ width: img.width, height: img.height, data: Uint8Array.from(img.data) });
/** A pixel's RGB. */
const px = (img: Rgba, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
// the menu's first two entries: a pixel of each row's background
const ROW1 = 82;
const ROW2 = 98;

beforeAll(async () => {
  ensureGuests();
  qemu = await startQemuI386(['-cdrom', GRUB_ISO, '-boot', 'd']);
  theirs = await connect(qemu.url, { timeoutMs: 90_000 });
  await theirs.client.waitUntil(() => theirs.width === 1024 && theirs.height === 768, 90_000);
}, 120_000);

afterAll(async () => {
  await theirs?.close();
  await qemu?.stop();
});

describe.each(['dirty', 'hw'] as const)('GRUB on the v86 machine, --tracking %s', (tracking) => {
  let app: VramVnc;
  let ours: Screen;
  const notices: string[] = [];

  beforeAll(async () => {
    app = await startV86({ cdrom: GRUB_ISO, tracking, notice: (l) => notices.push(l) });
    ours = await connect(app.vncUrl!, { timeoutMs: 90_000 });
    await ours.client.waitUntil(() => ours.width === 1024 && ours.height === 768, 90_000);
  }, 120_000);

  afterAll(async () => {
    await ours?.close();
    await app?.stop();
  });

  it('its menu is pixel-exact against QEMU TCG on the same ISO, and equal to /screenshot.png', async () => {
    if (tracking === 'dirty' || hw.ok) {
      expect(app.tracker.mode).toBe(tracking);
      expect(notices).toEqual([]);
    } else {
      expect(app.tracker.mode).toBe('dirty');
      expect(notices).toEqual([`vramvnc: --tracking hw unavailable (${hw.reason}); using v86's dirty log (dirty)`]);
    }
    expect(await settle(ours, theirs, tracking)).toBe(0);
    expect(app.device.modeName).toBe('VBE 1024x768x32');
    expect(countDiff(ours.image(), await fetchScreenshot(app))).toBe(0);
    saveImage(`grub-menu-${tracking}.png`, ours.image());
  }, 120_000);

  it("TigerVNC's vncviewer window shows exactly /screenshot.png", async () => {
    expect(await tigerVncShowsScreenshot(app, `grub-${tracking}`)).not.toBeNull();
  }, 120_000);

  it("gtk-vnc's gvnccapture writes exactly /screenshot.png", async () => {
    expect(await gvncCaptureDiff(app, `grub-${tracking}`)).toBe(0);
  }, 60_000);

  it("noVNC's canvas in Chromium (the built-in viewer, lossless) shows exactly /screenshot.png", async () => {
    expect(await noVncDiff(app, 1024, 768)).toBe(0);
  }, 60_000);

  it('a Down key moves the highlight, on both, and the screens stay pixel-exact, across a WebAssembly memory growth; Up moves it back', async () => {
    // gvnccapture connected non-shared, which disconnected the other viewers: connect anew
    await ours.close();
    ours = await connect(app.vncUrl!, { timeoutMs: 30_000 });
    expect(await settle(ours, theirs, tracking)).toBe(0);
    // v86's memory grows while guests run, detaching every view of it: nothing of ours may keep one
    const wasm = (app.machine as V86Machine).core.cpu.wasm_memory;
    const old = wasm.buffer;
    wasm.grow(64); // +4 MiB
    expect(old.byteLength).toBe(0); // detached
    const before = copyOf(ours.image());
    await Promise.all([
      ours.waitChange(() => ours.sendKey('down'), { timeoutMs: 30_000 }),
      theirs.waitChange(() => theirs.sendKey('down'), { timeoutMs: 30_000 }),
    ]);
    expect(await settle(ours, theirs, tracking)).toBe(0);
    const after = ours.image();
    expect(countDiff(before, after)).toBeGreaterThan(0);
    // the first entry's row lost the highlight and the second one has it
    expect(px(after, 600, ROW2)).toEqual(px(before, 600, ROW1));
    expect(px(after, 600, ROW1)).toEqual(px(before, 600, ROW2));
    expect(countDiff(after, await fetchScreenshot(app))).toBe(0);
    // back to the first entry on both (the next backend's machine starts there)
    await Promise.all([
      ours.waitChange(() => ours.sendKey('up'), { timeoutMs: 30_000 }),
      theirs.waitChange(() => theirs.sendKey('up'), { timeoutMs: 30_000 }),
    ]);
    expect(await settle(ours, theirs, tracking)).toBe(0);
    expect(countDiff(before, ours.image())).toBe(0);
    expect(countDiff(ours.image(), await fetchScreenshot(app))).toBe(0);
  }, 180_000);
});
