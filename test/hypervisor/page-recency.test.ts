import { describe, expect, it } from 'vitest';
import { createTracker } from '../../src/hypervisor/dirty-log.js';
import { GuestMemory, LFB_BASE } from '../../src/hypervisor/memory.js';
import { RecencyTracker } from '../../src/hypervisor/page-recency.js';

describe('per-page dirty recency', () => {
  it('records the query time of each page the tracker reports, and nothing else', () => {
    let t = 1000;
    const mem = new GuestMemory(1024 * 1024);
    const tracker = new RecencyTracker(createTracker(mem, 'dirty', 2000, () => t), mem.nrPages, () => t);
    expect(tracker.trackDirtyVram(0, 64).kind).toBe('enodata');
    mem.store32(LFB_BASE + 5 * 4096, 1);
    mem.store32(LFB_BASE + 40 * 4096 + 8, 1);
    t = 1100;
    expect(tracker.trackDirtyVram(0, 64)).toMatchObject({ kind: 'ok', count: 2 });
    mem.store32(LFB_BASE + 40 * 4096, 2);
    t = 1500;
    tracker.trackDirtyVram(0, 64);
    t = 1600;
    const snap = tracker.snapshot();
    expect(snap.firstPfn).toBe(0);
    expect(snap.nr).toBe(64);
    expect(snap.totalPages).toBe(256);
    expect(snap.ageMs[5]).toBe(500);
    expect(snap.ageMs[40]).toBe(100);
    expect(snap.ageMs.filter((a) => a >= 0).length).toBe(2);
  });

  it('forwards the tracker state and its re-arm callback', () => {
    const mem = new GuestMemory(1024 * 1024);
    const inner = createTracker(mem, 'dirty', 2000);
    const tracker = new RecencyTracker(inner, mem.nrPages);
    const cb = () => {};
    tracker.onRearm = cb;
    expect(inner.onRearm).toBe(cb);
    expect(tracker.state).toBe('off');
    tracker.trackDirtyVram(0, 16);
    expect(tracker.state).toBe('tracking');
  });
});
