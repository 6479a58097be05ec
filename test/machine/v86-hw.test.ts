// `--machine v86 --tracking hw`: Linux (fbcon on bochs DRM) on v86 with the host's page tables as the
// dirty log over v86's WebAssembly memory. Pixel-exact at the viewer; nothing of ours runs while the
// prompt sits still (tracking dropped: no refresher wake-up, no query); a keystroke faults, re-arms and
// reaches the viewer; during console redraws the hardware bits miss no page that changed, with v86's
// own bitmap asked beside them; TigerVNC, gtk-vnc and noVNC show exactly /screenshot.png. Where the
// addon cannot run, the machine says so and runs v86's log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { connect, type Screen } from '../../client/screen/session.js';
import { countDiff, fetchScreenshot, sleep } from '../helpers/app.js';
import { loadHwtrack } from '../../src/hypervisor/hwtrack-addon.js';
import { comparePages } from '../../src/bench/pages.js';
import type { V86Machine } from '../../src/machine/v86/machine.js';
import { V86DirtyTracker, v86DirtyLog } from '../../src/machine/v86/tracker.js';
import { ensureGuests, INITRD, KERNEL, LINUX_PROMPT, startV86, viewLinuxPrompt } from './v86-helpers.js';
import { gvncCaptureDiff, noVncDiff, tigerVncShowsScreenshot } from './v86-viewers.js';

const hw = loadHwtrack();
let app: VramVnc;
let screen: Screen;
const notices: string[] = [];

beforeAll(async () => {
  ensureGuests();
  app = await startV86({ kernel: KERNEL, initrd: INITRD, append: 'console=tty1', tracking: 'hw', notice: (l) => notices.push(l) });
  screen = await viewLinuxPrompt(app);
}, 300_000);

afterAll(async () => {
  await screen?.close();
  await app?.stop();
});

describe('Linux on v86 with --tracking hw', () => {
  it('runs the hardware backend (or says why not and runs v86 log), pixel-exact at the viewer', async () => {
    if (hw.ok) {
      expect(app.tracker.mode).toBe('hw');
      expect(notices).toEqual([]);
    } else {
      expect(app.tracker.mode).toBe('dirty');
      expect(notices).toEqual([`vramvnc: --tracking hw unavailable (${hw.reason}); using v86's dirty log (dirty)`]);
    }
    expect(app.device.modeName).toBe('VBE 1024x768x32');
    expect(app.tracker.counters.pagesReported).toBeGreaterThan(0);
    expect(countDiff(screen.image(), await fetchScreenshot(app))).toBe(0);
  });

  it('TigerVNC, gtk-vnc and noVNC show the prompt exactly as /screenshot.png does', async () => {
    expect(await tigerVncShowsScreenshot(app, 'linux-hw')).not.toBeNull();
    expect(await noVncDiff(app, 1024, 768)).toBe(0);
    // gvnccapture connects non-shared, which disconnects our viewer: connect anew
    expect(await gvncCaptureDiff(app, 'linux-hw')).toBe(0);
    await screen.close();
    screen = await connect(app.vncUrl!, { timeoutMs: 30_000 });
    await screen.assertScreen(LINUX_PROMPT, { timeoutMs: 10_000 });
    expect(countDiff(screen.image(), await fetchScreenshot(app))).toBe(0);
  }, 180_000);

  it('dropped at the still prompt: no wake-up, no query; a keystroke re-arms and reaches the viewer', async () => {
    for (let i = 0; i < 60 && app.tracker.state !== 'dropped'; i++) await sleep(250);
    expect(app.tracker.state).toBe('dropped');
    const wakeups = app.pipeline.counters.wakeups;
    const queries = app.tracker.counters.queries;
    await sleep(1500);
    expect(app.pipeline.counters.wakeups).toBe(wakeups);
    expect(app.tracker.counters.queries).toBe(queries);
    const rearms = app.tracker.counters.rearms;
    const change = await screen.waitChange(() => screen.typeText('x'), { timeoutMs: 20_000 });
    expect(change.rects.length).toBeGreaterThan(0);
    expect(app.tracker.counters.rearms).toBe(rearms + 1);
    await screen.waitStill({ stillMs: 500, timeoutMs: 10_000 });
    expect(countDiff(screen.image(), await fetchScreenshot(app))).toBe(0);
    screen.sendKey('backspace');
    await screen.waitStill({ stillMs: 500, timeoutMs: 10_000 });
  }, 60_000);

  it('console redraws: no changed page missed, v86 bitmap asked beside the hardware bits', async () => {
    const machine = (app as unknown as { machine: V86Machine }).machine;
    const cpu = machine.core.cpu;
    const beside = new V86DirtyTracker(v86DirtyLog(cpu), machine.vram.vramSize, { idleDropMs: null });
    // our device's own stores reach v86's bitmap only this way (the hardware bits see them anyway)
    machine.vram.onDeviceWrite = (off, len) => beside.noteDeviceWrite(off, len);
    const cmp = comparePages({ name: app.tracker.mode, tracker: app.tracker }, [{ name: 'v86 bitmap', tracker: beside }], () => machine.vram.vram);
    try {
      await screen.waitChange(() => screen.typeText('ls -l /bin | head -60; dmesg | tail -40\n'), { timeoutMs: 30_000 });
      await screen.waitStill({ stillMs: 1500, timeoutMs: 60_000 });
    } finally {
      cmp.restore();
      machine.vram.onDeviceWrite = null;
    }
    const [primary, bitmap] = cmp.rows;
    expect(primary!.ok).toBeGreaterThan(3);
    expect(primary!.pagesChanged).toBeGreaterThan(0);
    expect(primary!.missed).toBe(0);
    expect(primary!.pagesReported).toBeGreaterThanOrEqual(primary!.pagesChanged);
    expect(bitmap!.queries).toBe(primary!.queries);
    expect(countDiff(screen.image(), await fetchScreenshot(app))).toBe(0);
  }, 90_000);
});
