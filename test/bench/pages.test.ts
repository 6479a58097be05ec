// bench pages' comparison as a test: under the scripted guests' redraws the hardware bits and the
// emulated log report the same pages, and neither misses a page whose bytes changed.
import { describe, expect, it } from 'vitest';
import { benchPages } from '../../src/bench/pages.js';
import { loadHwtrack } from '../../src/hypervisor/hwtrack-addon.js';

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
