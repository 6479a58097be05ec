import { describe, expect, it } from 'vitest';
import { EmulatedDirtyTracker, ScanTracker, type TrackResult } from '../../src/hypervisor/dirty-log.js';
import { GuestMemory, LFB_BASE, PAGE_SIZE } from '../../src/hypervisor/memory.js';

function setup(idleDropMs: number | null = 2000) {
  let now = 0;
  const mem = new GuestMemory(1024 * 1024); // 256 pages
  const t = new EmulatedDirtyTracker(mem, { idleDropMs, now: () => now });
  return { mem, t, advance: (ms: number) => (now += ms) };
}

function pages(res: TrackResult, first = 0): number[] {
  if (res.kind !== 'ok') throw new Error(`expected ok, got ${res.kind}`);
  const out: number[] = [];
  for (let i = 0; i < res.bitmap.length * 32; i++) if (res.bitmap[i >>> 5]! & (1 << (i & 31))) out.push(first + i);
  return out;
}

describe('EmulatedDirtyTracker (HVMOP_track_dirty_vram)', () => {
  it('answers ENODATA for a new range, then reports and clears the pages written', () => {
    const { mem, t } = setup();
    expect(t.trackDirtyVram(0, 100).kind).toBe('enodata');
    mem.store32(LFB_BASE + 5 * PAGE_SIZE + 8, 0x123456);
    mem.fill32(LFB_BASE + 10 * PAGE_SIZE - 4, 2, 1); // straddles pages 9 and 10
    expect(pages(t.trackDirtyVram(0, 100))).toEqual([5, 9, 10]);
    expect(pages(t.trackDirtyVram(0, 100))).toEqual([]);
    expect(t.counters.pagesReported).toBe(3);
    expect(t.counters.pagesWalked).toBe(200);
  });

  it('answers ENODATA again when the range changes, and numbers bits from firstPfn', () => {
    const { mem, t } = setup();
    t.trackDirtyVram(0, 100);
    expect(t.trackDirtyVram(40, 50).kind).toBe('enodata');
    mem.store8(LFB_BASE + 41 * PAGE_SIZE, 1);
    mem.store8(LFB_BASE + 95 * PAGE_SIZE, 1); // outside the range: not reported
    expect(pages(t.trackDirtyVram(40, 50), 40)).toEqual([41]);
  });

  it('refuses a range outside VRAM with EINVAL and stops on nr = 0', () => {
    const { mem, t } = setup();
    expect(t.trackDirtyVram(200, 57).kind).toBe('einval');
    expect(t.trackDirtyVram(-1, 2).kind).toBe('einval');
    t.trackDirtyVram(0, 10);
    expect(t.trackDirtyVram(0, 0).kind).toBe('stopped');
    expect(t.state).toBe('off');
    expect(mem.dirty).toBeNull();
    mem.store8(LFB_BASE, 1); // no logging, no fault
    expect(t.counters.faults).toBe(0);
    expect(t.trackDirtyVram(0, 10).kind).toBe('enodata');
  });

  it('drops tracking after idleDropMs without a dirty page; dropped queries walk nothing', () => {
    const { t, advance } = setup(2000);
    t.trackDirtyVram(0, 256);
    advance(1999);
    pages(t.trackDirtyVram(0, 256));
    expect(t.state).toBe('tracking');
    advance(1);
    pages(t.trackDirtyVram(0, 256));
    expect(t.state).toBe('dropped');
    expect(t.counters.drops).toBe(1);
    const walked = t.counters.pagesWalked;
    for (let i = 0; i < 10; i++) expect(pages(t.trackDirtyVram(0, 256))).toEqual([]);
    expect(t.counters.pagesWalked).toBe(walked);
  });

  it('a write in the dropped state faults once, re-arms tracking and is reported, never lost', () => {
    const { mem, t, advance } = setup(2000);
    let rearms = 0;
    t.onRearm = () => rearms++;
    t.trackDirtyVram(0, 256);
    advance(5000);
    t.trackDirtyVram(0, 256);
    expect(t.state).toBe('dropped');
    mem.store32(LFB_BASE + 77 * PAGE_SIZE, 0xffffff);
    expect(t.state).toBe('tracking');
    expect(rearms).toBe(1);
    mem.store32(LFB_BASE + 77 * PAGE_SIZE + 4, 0xffffff); // same page: no second fault
    mem.store32(LFB_BASE + 78 * PAGE_SIZE, 0xffffff); // another protected page: one fault, no re-arm
    expect(t.counters.faults).toBe(2);
    expect(t.counters.rearms).toBe(1);
    expect(pages(t.trackDirtyVram(0, 256))).toEqual([77, 78]);
  });

  it('re-arms from a block copy into a protected page', () => {
    const { mem, t, advance } = setup(10);
    t.trackDirtyVram(0, 256);
    advance(10);
    t.trackDirtyVram(0, 256);
    expect(t.state).toBe('dropped');
    mem.copy(LFB_BASE + 3 * PAGE_SIZE - 2, LFB_BASE, 8);
    expect(pages(t.trackDirtyVram(0, 256))).toEqual([2, 3]);
  });

  it('dirty-nodrop never drops', () => {
    const { t, advance } = setup(null);
    t.trackDirtyVram(0, 256);
    advance(1e9);
    t.trackDirtyVram(0, 256);
    expect(t.state).toBe('tracking');
    expect(t.mode).toBe('dirty-nodrop');
  });

  it('handles ranges not aligned to 32 pages', () => {
    const { mem, t } = setup();
    t.trackDirtyVram(33, 70);
    for (const p of [32, 33, 64, 102, 103]) mem.store8(LFB_BASE + p * PAGE_SIZE, 1);
    expect(pages(t.trackDirtyVram(33, 70), 33)).toEqual([33, 64, 102]);
  });
});

describe('ScanTracker (the pre-3.3 baseline)', () => {
  it('reports the pages whose bytes differ from its shadow, comparing all of VRAM each query', () => {
    const mem = new GuestMemory(1024 * 1024);
    const t = new ScanTracker(mem);
    expect(t.trackDirtyVram(0, 100).kind).toBe('enodata');
    mem.store32(LFB_BASE + 7 * PAGE_SIZE, 5);
    mem.store32(LFB_BASE + 8 * PAGE_SIZE, 0); // same bytes: not a change
    expect(pages(t.trackDirtyVram(0, 100))).toEqual([7]);
    expect(pages(t.trackDirtyVram(0, 100))).toEqual([]);
    expect(t.counters.bytesCompared).toBe(2 * 1024 * 1024);
  });
});
