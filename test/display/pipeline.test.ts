// The refresher in event mode: a change after a quiet spell is refreshed at once; while changes keep
// coming, refreshes are at least minIntervalMs apart (the v86 machine asks 16 ms: its guest shares the
// thread) and nothing rung in between is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { DirtyRegion } from '../../src/display/dirty-region.js';
import { DisplayPipeline } from '../../src/display/update-pipeline.js';
import type { DisplaySource } from '../../src/display/source.js';
import { Surface } from '../../src/display/surface.js';

function fakeSource() {
  const surface = new Surface(64, 32);
  const region = new DirtyRegion(64, 32);
  const source: DisplaySource & { draw(y: number, fromTimer?: boolean): void } = {
    surface,
    onChange: null,
    quiescent: true,
    idleCheckMs: null,
    canNotify: true,
    counters: {},
    invalidate() {},
    update: () => ({ resized: false, region }),
    draw(y: number, fromTimer = false) {
      region.addRect({ x: 0, y, w: 16, h: 1 });
      this.onChange?.(fromTimer);
    },
  };
  return source;
}

let pipeline: DisplayPipeline | null = null;
afterEach(() => pipeline?.stop());

describe('the display pipeline (event mode)', () => {
  it('refreshes a change after a quiet spell at once, and spaces refreshes by minIntervalMs while changes keep coming', async () => {
    const source = fakeSource();
    pipeline = new DisplayPipeline(source, { refreshIntervalMs: 30, minIntervalMs: 60 });
    const seen: { at: number; rows: number[] }[] = [];
    pipeline.addListener({
      onResize() {},
      onUpdate(region) {
        const rows: number[] = [];
        for (const r of region.takeRects()) for (let y = r.y; y < r.y + r.h; y++) rows.push(y);
        seen.push({ at: performance.now(), rows });
        region.clear();
      },
      wantsUpdate: () => true,
    });
    const t0 = performance.now();
    source.draw(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.at - t0).toBeLessThan(20); // not held back by the interval
    // a change every 5 ms for 300 ms: refreshes no closer than 60 ms, every row delivered
    for (let y = 1; y <= 30; y++) {
      await new Promise((r) => setTimeout(r, 5));
      source.draw(y);
    }
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(8); // at 4 ms: one refresh per change, 31
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.at - seen[i - 1]!.at).toBeGreaterThanOrEqual(58);
    expect(seen.flatMap((s) => s.rows).sort((a, b) => a - b)).toEqual(Array.from({ length: 31 }, (_, i) => i));
  });

  it('refreshes a change rung from the source\'s own timer before the doorbell returns, and one from guest code after the task', async () => {
    const source = fakeSource();
    pipeline = new DisplayPipeline(source, { refreshIntervalMs: 30, minIntervalMs: 4 });
    let updates = 0;
    pipeline.addListener({
      onResize() {},
      onUpdate(region) {
        updates++;
        region.clear();
      },
      wantsUpdate: () => true,
    });
    source.draw(0); // as from a guest store: a burst of them costs one refresh, after the task
    source.draw(1);
    expect(updates).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(updates).toBe(1);
    await new Promise((r) => setTimeout(r, 10));
    source.draw(2, true); // a blink toggle: refreshed at once, no second hop through the event loop
    expect(updates).toBe(2);
    source.draw(3, true); // within minIntervalMs of the last: held back to the interval, not lost
    expect(updates).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(updates).toBe(3);
  });
});
