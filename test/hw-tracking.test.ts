// `--tracking hw` end to end on the scripted machine: a viewer on real TCP, tracking dropping while the
// screen is idle (nothing of ours runs: no refresher wake-up), the guest's next store faulting, tracking
// re-arming and that store reaching the viewer. Where the addon cannot run, the same schedule runs on the
// emulated fallback (which keeps the same contract).
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../src/app.js';
import { Fb32, setVbeMode, type GuestProgram } from '../src/guest/guest.js';
import { loadHwtrack } from '../src/hypervisor/hwtrack-addon.js';
import { nativeToRgba } from '../src/display/surface.js';
import type { RfbClient } from '../client/headless/rfb-client.js';
import { clientImage, connect, countDiff, sleep, startApp } from './helpers/app.js';

const W = 320;
const H = 200;
const guest: GuestProgram = {
  name: 'blank',
  start(ctx) {
    setVbeMode(ctx.io, W, H, 32);
  },
};
const hw = loadHwtrack();

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

function screen(a: VramVnc) {
  const s = a.device.screenshot();
  return { width: s.width, height: s.height, data: nativeToRgba(s.data, s.width, s.height) };
}

async function converged(a: VramVnc, c: RfbClient): Promise<void> {
  const deadline = Date.now() + 5000;
  while (countDiff(clientImage(c), screen(a)) !== 0) {
    if (Date.now() > deadline) throw new Error(`viewer did not converge: ${countDiff(clientImage(c), screen(a))} pixels differ`);
    await c.nextUpdate(250).catch(() => null);
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe.each(['event', 'poll'] as const)('--tracking hw with a viewer (%s refresh)', (refreshMode) => {
  it('drops when idle, wakes on the guest store that faults, re-arms, and the viewer converges each time', async () => {
    const notices: string[] = [];
    app = await startApp(guest, { tracking: 'hw', refreshMode, idleDropMs: 40, refreshIntervalMs: 10, vramMb: 1, notice: (l) => notices.push(l) });
    const a = app;
    if (hw.ok) expect(notices).toEqual([]);
    else expect(notices).toEqual([`vramvnc: --tracking hw unavailable (${hw.reason}); using the emulated tracker (dirty)`]);
    expect(a.tracker.mode).toBe(hw.ok ? 'hw' : 'dirty');
    const fb = new Fb32(a.mem, W, H);
    const viewer = await connect(a); // one incremental request always outstanding
    await viewer.waitFirstFrame();
    for (let round = 0; round < 5; round++) {
      await until(() => a.tracker.state === 'dropped', 'tracking to drop');
      // dropped with a viewer waiting: no timer, no refresh, until the guest stores
      const wakeups = a.pipeline.counters.wakeups;
      const queries = a.tracker.counters.queries;
      await sleep(150);
      expect(a.pipeline.counters.wakeups).toBe(wakeups);
      expect(a.tracker.counters.queries).toBe(queries);
      expect(a.tracker.state).toBe('dropped');
      const rearms = a.tracker.counters.rearms;
      a.guest.slice(() => fb.fillRect(20 + round * 40, 30 + round * 20, 33, 17, 0x10305 * (round + 1)));
      await converged(a, viewer);
      expect(a.tracker.counters.rearms).toBe(rearms + 1);
      // armed: a burst of stores in separate run slices, each reaching the viewer
      for (let i = 0; i < 4; i++) {
        a.guest.slice(() => fb.fillRect((i * 71) % (W - 8), (i * 37 + round * 11) % (H - 8), 8, 8, 0xff0000 >> i));
        await sleep(3);
      }
      await converged(a, viewer);
    }
    expect(a.tracker.counters.drops).toBeGreaterThanOrEqual(5);
    expect(a.tracker.counters.faults).toBeGreaterThanOrEqual(5);
    viewer.close();
  });
});
