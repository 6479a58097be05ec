// bench pages' comparison as a test: under the scripted guests' redraws the hardware bits and the
// emulated log report the same pages, and neither misses a page whose bytes changed.
import { describe, expect, it } from 'vitest';
import { benchPages, comparePages } from '../../src/bench/pages.js';
import { loadHwtrack } from '../../src/hypervisor/hwtrack-addon.js';
import { EmulatedDirtyTracker } from '../../src/hypervisor/dirty-log.js';
import { resolveGuest } from '../../src/guest/programs.js';
import type { DirtyVramTracker } from '../../src/hypervisor/tracker-types.js';
import { clientImage, connect, countDiff, fetchScreenshot, sleep, startApp } from '../helpers/app.js';

const hw = loadHwtrack();

describe('bench pages: hw against the emulated log and the byte diff', () => {
  it.each(['random', 'desktop'])('guest %s: the same pages from both, none missed', async (guest) => {
    const notices: string[] = [];
    const { rows, primary } = await benchPages({ guest, seconds: guest === 'desktop' ? 3 : 2, log: (l) => notices.push(l) });
    expect(primary).toBe(hw.ok ? 'hw (userfaultfd)' : 'dirty (hw unavailable)');
    expect(notices).toHaveLength(hw.ok ? 0 : 1);
    expect(rows).toHaveLength(hw.ok ? 2 : 1); // without the addon only the emulated log runs
    const [h, e] = rows;
    expect(h!.ok).toBeGreaterThan(1);
    expect(h!.pagesChanged).toBeGreaterThan(0);
    expect(h!.missed).toBe(0);
    if (e) {
      expect(e.missed).toBe(0);
      expect(h!.pagesReported).toBe(e.pagesReported);
    }
    expect(h!.pagesReported).toBeGreaterThanOrEqual(h!.pagesChanged);
    // the desktop's clock redraw stores pixels that do not change: reported pages outnumber changed ones
    if (guest === 'desktop') expect(h!.pagesReported).toBeGreaterThan(h!.pagesChanged);
  });
});

describe('bench pages with a span: every backend asked for all of VRAM, the device given its own range', () => {
  it('guest desktop: none missed, the same pages from both, and a viewer still sees exactly /screenshot.png', async () => {
    const app = await startApp(resolveGuest('desktop'), { tracking: 'hw', notice: () => {} });
    // the emulated log beside the hardware bits (without the addon the device's tracker is the emulated log: alone)
    const others = hw.ok ? [{ name: 'emulated log', tracker: new EmulatedDirtyTracker(app.mem, { idleDropMs: null }) }] : [];
    const span = { firstPfn: 0, nr: app.mem.nrPages };
    const cmp = comparePages({ name: app.tracker.mode, tracker: app.tracker }, others, () => app.mem.vram, span);
    const c = await connect(app);
    try {
      await c.waitFirstFrame();
      await sleep(3500); // a few clock ticks
      // the clock ticks once a second: the viewer catches up between ticks
      let diff = Infinity;
      for (let i = 0; i < 60 && diff !== 0; i++) {
        await sleep(100);
        diff = countDiff(clientImage(c), await fetchScreenshot(app));
      }
      expect(diff).toBe(0);
    } finally {
      c.close();
      cmp.restore();
      await app.stop();
    }
    const [primary, other] = cmp.rows;
    expect(primary!.ok).toBeGreaterThan(1);
    expect(primary!.pagesChanged).toBeGreaterThan(0);
    expect(primary!.missed).toBe(0);
    expect(cmp.rows).toHaveLength(hw.ok ? 2 : 1);
    if (other) {
      expect(other.missed).toBe(0);
      expect(other.pagesReported).toBe(primary!.pagesReported);
    }
  });
});

describe('comparePages with a span: the device range cut out of the span', () => {
  it("answers the device's range from the primary's span bitmap, ENODATA when the range moved, EINVAL outside the span", () => {
    // a stand-in primary: reports pages 3, 769 and 1000 of a 2048-page span at each query
    const asked: [number, number][] = [];
    const tracker = {
      trackDirtyVram(first: number, nr: number) {
        asked.push([first, nr]);
        const bitmap = new Uint32Array((nr + 31) >>> 5);
        for (const p of [3, 769, 1000]) if (p >= first && p < first + nr) bitmap[(p - first) >>> 5]! |= 1 << ((p - first) & 31);
        return { kind: 'ok' as const, bitmap, count: 3 };
      },
    } as unknown as DirtyVramTracker;
    const vram = new Uint8Array(2048 << 12);
    const cmp = comparePages({ name: 'p', tracker }, [], () => vram, { firstPfn: 0, nr: 2048 });
    expect(tracker.trackDirtyVram(768, 768).kind).toBe('enodata'); // a new range for the device
    const r = tracker.trackDirtyVram(768, 768);
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.count).toBe(2);
    expect(r.bitmap.length).toBe(24);
    const bits = [...Array(768).keys()].filter((i) => r.bitmap[i >>> 5]! & (1 << (i & 31)));
    expect(bits).toEqual([1, 232]); // pages 769 and 1000
    expect(tracker.trackDirtyVram(0, 768).kind).toBe('enodata'); // a flip: the range moved
    expect(tracker.trackDirtyVram(1800, 768).kind).toBe('einval');
    expect(asked.every(([f, n]) => f === 0 && n === 2048)).toBe(true);
    cmp.restore();
    expect(cmp.rows[0]!.ok).toBe(3);
  });
});
