// `--tracking hw`: the host's page tables (userfaultfd write-protect + PAGEMAP_SCAN) as the dirty log,
// checked against byte diffs of VRAM inside a WebAssembly.Memory (where v86 keeps its VRAM), across
// memory growth, drops and faults. Where the addon cannot run here, the same cases check the fallback.
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { HwDirtyTracker, openHwTracker } from '../../src/hypervisor/hw-tracker.js';
import { defaultAddonPath, loadHwtrack, type HwtrackAddon } from '../../src/hypervisor/hwtrack-addon.js';
import os from 'node:os';
import { createTracker, type TrackResult } from '../../src/hypervisor/dirty-log.js';
import { GuestMemory, PAGE_SIZE } from '../../src/hypervisor/memory.js';

const hw = loadHwtrack();
const WASM_PAGE = 65536;
// VRAM at a page-aligned offset that is not a wasm page boundary, as a byteOffset into the memory
const OFF = WASM_PAGE + 3 * PAGE_SIZE;
const NP = 256; // 1 MiB of VRAM
const FIRST = 2; // the tracked range leaves two pages out at each end
const NR = NP - 4;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

function pagesOf(res: TrackResult, first: number): number[] {
  if (res.kind !== 'ok') throw new Error(`expected ok, got ${res.kind}`);
  const out: number[] = [];
  for (let i = 0; i < res.bitmap.length * 32; i++) if (res.bitmap[i >>> 5]! & (1 << (i & 31))) out.push(first + i);
  return out;
}

function wasmVram(initialPages = 20) {
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: 4096 });
  const view = () => new Uint8Array(memory.buffer, OFF, NP * PAGE_SIZE);
  return { memory, view };
}

function tracker(addon: HwtrackAddon, view: () => Uint8Array, idleDropMs: number | null, now: () => number) {
  const t = new HwDirtyTracker(addon, view, { idleDropMs, now });
  closers.push(() => t.close());
  return t;
}

type Op =
  | { k: 'store'; page: number; at: number; v: number }
  | { k: 'same'; page: number; at: number } // a store of the value already there
  | { k: 'fill'; from: number; len: number; v: number }
  | { k: 'copy'; src: number; dst: number; len: number }
  | { k: 'grow'; pages: number }
  | { k: 'query' }
  | { k: 'idle' }; // long enough without writes that the next quiet query drops tracking

const BYTES = NP * PAGE_SIZE;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('store' as const), page: fc.nat(NP - 1), at: fc.nat(PAGE_SIZE - 1), v: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('same' as const), page: fc.nat(NP - 1), at: fc.nat(PAGE_SIZE - 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('fill' as const), from: fc.nat(BYTES - 1), len: fc.integer({ min: 1, max: 5 * PAGE_SIZE }), v: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('copy' as const), src: fc.nat(BYTES - 1), dst: fc.nat(BYTES - 1), len: fc.integer({ min: 1, max: 3 * PAGE_SIZE }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('grow' as const), pages: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('query' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('idle' as const) }) },
);

describe('hardware dirty bits (userfaultfd + PAGEMAP_SCAN) over WebAssembly memory', () => {
  it('reports exactly the pages stored to, never fewer than the byte diff, through drops, faults and memory growth', () => {
    if (!hw.ok) {
      // no addon here: `--tracking hw` must say why and run the emulated tracker
      const notices: string[] = [];
      const t = createTracker(new GuestMemory(NP * PAGE_SIZE), 'hw', 2000, undefined, (l) => notices.push(l));
      expect(t.mode).toBe('dirty');
      expect(notices).toEqual([`vramvnc: --tracking hw unavailable (${hw.reason}); using the emulated tracker (dirty)`]);
      return;
    }
    const addon = hw.addon;
    let growths = 0;
    let rearmQueries = 0; // queries right after a store faulted in the dropped state
    let exactRearms = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 60 }), (ops) => {
        const { memory, view } = wasmVram();
        let clock = 0;
        const t = tracker(addon, view, 100, () => clock);
        expect(t.trackDirtyVram(FIRST, NR).kind).toBe('enodata');
        let shadow = view().slice();
        let stored = new Set<number>(); // pages the ops stored to since the last query
        let storedWhileDropped = false;
        const touch = (from: number, len: number) => {
          for (let p = Math.floor(from / PAGE_SIZE); p <= Math.floor((from + len - 1) / PAGE_SIZE); p++) {
            stored.add(p);
            if (t.state === 'dropped' && p >= FIRST && p < FIRST + NR) storedWhileDropped = true;
          }
        };
        const query = () => {
          const rearmed = t.state === 'dropped' && storedWhileDropped;
          if (rearmed) rearmQueries++;
          const res = t.trackDirtyVram(FIRST, NR);
          const now = view();
          if (res.kind === 'enodata') {
            // only after a fault re-armed tracking and the writer ran during the switch (a signal)
            expect(rearmed).toBe(true);
          } else {
            const reported = pagesOf(res, FIRST);
            const expected = [...stored].filter((p) => p >= FIRST && p < FIRST + NR).sort((a, b) => a - b);
            expect(reported).toEqual(expected);
            for (let p = FIRST; p < FIRST + NR; p++) {
              const a = p * PAGE_SIZE;
              if (Buffer.compare(now.subarray(a, a + PAGE_SIZE), shadow.subarray(a, a + PAGE_SIZE)) !== 0) expect(reported).toContain(p);
            }
          }
          shadow = now.slice();
          stored = new Set();
          storedWhileDropped = false;
        };
        for (const op of ops) {
          const v = view();
          switch (op.k) {
            case 'store':
              touch(op.page * PAGE_SIZE + op.at, 1);
              v[op.page * PAGE_SIZE + op.at] = op.v;
              break;
            case 'same':
              touch(op.page * PAGE_SIZE + op.at, 1);
              v[op.page * PAGE_SIZE + op.at] = v[op.page * PAGE_SIZE + op.at]!;
              break;
            case 'fill': {
              const len = Math.min(op.len, BYTES - op.from);
              touch(op.from, len);
              v.fill(op.v, op.from, op.from + len);
              break;
            }
            case 'copy': {
              const len = Math.min(op.len, BYTES - Math.max(op.src, op.dst));
              // a memmove onto itself writes nothing (glibc returns at once): no page is stored to
              if (op.src !== op.dst) touch(op.dst, len);
              v.copyWithin(op.dst, op.src, op.src + len);
              break;
            }
            case 'grow':
              if (memory.buffer.byteLength < 1024 * WASM_PAGE) {
                memory.grow(op.pages);
                growths++;
                expect(v.byteLength).toBe(0); // the old view is detached, as v86's are
              }
              break;
            case 'idle':
              query();
              clock += 150;
              query(); // nothing stored since: this one drops
              break;
            case 'query':
              query();
              break;
          }
        }
        exactRearms += t.nativeStats()!.exactRearms;
        t.close();
      }),
      { numRuns: 40 },
    );
    // the runs really went through growth and through faults in the dropped state, reported exactly
    expect(growths).toBeGreaterThan(5);
    expect(rearmQueries).toBeGreaterThan(5);
    expect(exactRearms).toBeGreaterThan(5);
  });

  it('keeps the range across growth: the address does not move and a store after growth faults and re-arms', async () => {
    if (!hw.ok) {
      expect(openHwTracker(() => new Uint8Array(NP * PAGE_SIZE), { idleDropMs: 100 })).toEqual({ reason: hw.reason });
      return;
    }
    const { memory, view } = wasmVram(20);
    let clock = 0;
    const t = tracker(hw.addon, view, 100, () => clock);
    let rearmCallbacks = 0;
    t.onRearm = () => rearmCallbacks++;
    const before = hw.addon.address(view());
    t.trackDirtyVram(0, NP);
    clock += 150;
    expect(t.trackDirtyVram(0, NP)).toMatchObject({ kind: 'ok', count: 0 });
    expect(t.state).toBe('dropped');
    memory.grow(1000); // +62.5 MiB while dropped
    expect(hw.addon.address(view())).toBe(before);
    expect(t.trackDirtyVram(0, NP)).toMatchObject({ kind: 'ok', count: 0 }); // still dropped: O(1)
    view()[77 * PAGE_SIZE + 5] = 9; // faults on this thread; the addon's thread releases it
    expect(t.nativeStats()).toMatchObject({ dropped: 0, faults: 1, rearms: 1, exactRearms: 1 });
    await new Promise((r) => setTimeout(r, 20)); // the thread-safe callback reaches the event loop
    expect(rearmCallbacks).toBe(1);
    expect(t.state).toBe('tracking');
    expect(t.counters).toMatchObject({ drops: 1, rearms: 1, faults: 1 });
    expect(pagesOf(t.trackDirtyVram(0, NP), 0)).toEqual([77]); // that store, reported exactly
    new Uint8Array(memory.buffer)[OFF + 300 * PAGE_SIZE] = 1; // beyond VRAM, in the grown memory: not ours
    view()[78 * PAGE_SIZE] = 1;
    expect(pagesOf(t.trackDirtyVram(0, NP), 0)).toEqual([78]);
  });

  it('follows the VRAM to a new address when the memory is replaced (ENODATA, then exact again)', () => {
    if (!hw.ok) {
      expect(loadHwtrack({ addonPath: '/nonexistent/hwtrack.node' })).toMatchObject({ ok: false });
      return;
    }
    let mem = wasmVram(20);
    let clock = 0;
    const t = tracker(hw.addon, () => mem.view(), 100, () => clock);
    t.trackDirtyVram(0, NP);
    mem.view()[PAGE_SIZE] = 1;
    expect(pagesOf(t.trackDirtyVram(0, NP), 0)).toEqual([1]);
    const old = mem;
    mem = wasmVram(20); // a different memory: a different address
    expect(hw.addon.address(mem.view())).not.toBe(hw.addon.address(old.view()));
    expect(t.trackDirtyVram(0, NP).kind).toBe('enodata');
    old.view()[2 * PAGE_SIZE] = 1; // the old memory is not tracked any more
    mem.view()[3 * PAGE_SIZE] = 1;
    expect(pagesOf(t.trackDirtyVram(0, NP), 0)).toEqual([3]);
  });

  it('stops on nr = 0 (stores cost no fault), refuses ranges outside VRAM, restarts with ENODATA', () => {
    if (!hw.ok) {
      const t = createTracker(new GuestMemory(NP * PAGE_SIZE), 'hw', 100, undefined, () => {});
      expect(t.trackDirtyVram(NP, 1).kind).toBe('einval');
      return;
    }
    const { view } = wasmVram();
    let clock = 0;
    const t = tracker(hw.addon, view, 100, () => clock);
    expect(t.trackDirtyVram(NP - 1, 2).kind).toBe('einval');
    expect(t.trackDirtyVram(-1, 2).kind).toBe('einval');
    t.trackDirtyVram(0, 10);
    clock += 150;
    t.trackDirtyVram(0, 10);
    expect(t.state).toBe('dropped');
    expect(t.trackDirtyVram(0, 0).kind).toBe('stopped');
    expect(t.state).toBe('off');
    view()[5] = 1; // not protected any more: no fault
    expect(t.nativeStats()?.faults).toBe(0);
    expect(t.trackDirtyVram(0, 10).kind).toBe('enodata');
    view()[PAGE_SIZE * 4] = 1;
    expect(pagesOf(t.trackDirtyVram(0, 10), 0)).toEqual([4]);
  });

  it('rings onDirty once after a run slice that stored, not while dropped, not twice before a query', async () => {
    if (!hw.ok) {
      const t = createTracker(new GuestMemory(NP * PAGE_SIZE), 'hw', 100, undefined, () => {});
      expect(t.canNotify).toBe(true); // the emulated fallback rings its own doorbell
      return;
    }
    const { view } = wasmVram();
    let clock = 0;
    const t = new HwDirtyTracker(hw.addon, view, { idleDropMs: 100, now: () => clock, slices: true, peekIntervalMs: 0 });
    closers.push(() => t.close());
    expect(t.canNotify).toBe(true);
    let rings = 0;
    t.onDirty = () => rings++;
    t.trackDirtyVram(0, NP);
    t.afterGuestRun(); // nothing stored
    expect(rings).toBe(0);
    view()[10 * PAGE_SIZE] = 1;
    t.afterGuestRun();
    view()[11 * PAGE_SIZE] = 1;
    t.afterGuestRun();
    expect(rings).toBe(1);
    expect(pagesOf(t.trackDirtyVram(0, NP), 0)).toEqual([10, 11]);
    t.afterGuestRun();
    expect(rings).toBe(1);
    clock += 150;
    t.trackDirtyVram(0, NP);
    expect(t.state).toBe('dropped');
    t.afterGuestRun(); // dropped: the fault is the doorbell
    expect(rings).toBe(1);
  });

  it('looks at most once per peek interval; a store in a burst of slices still rings at the end of it', async () => {
    if (!hw.ok) {
      expect(hw.reason.length).toBeGreaterThan(0);
      return;
    }
    const { view } = wasmVram();
    const clock = 0; // frozen: the interval is measured on it, so only the trailing look can ring
    const t = new HwDirtyTracker(hw.addon, view, { idleDropMs: null, now: () => clock, slices: true, peekIntervalMs: 20 });
    closers.push(() => t.close());
    let rings = 0;
    t.onDirty = () => rings++;
    t.trackDirtyVram(0, NP);
    t.afterGuestRun(); // looks: nothing yet
    view()[PAGE_SIZE] = 1;
    t.afterGuestRun(); // within the interval: no look now, one at its end
    t.afterGuestRun();
    expect(rings).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(rings).toBe(1);
    expect(pagesOf(t.trackDirtyVram(0, NP), 0)).toEqual([1]);
  });
});

describe('the re-arm is exact unless the writer ran while the range was unprotected', () => {
  /** Drop, then store on this thread with the switch slowed to 300 ms; with `signal`, a worker signals this thread 50 ms in. */
  async function storeWhileDropped(signal: boolean): Promise<{ res: TrackResult; stats: ReturnType<HwDirtyTracker['nativeStats']>; value: number }> {
    if (!hw.ok) throw new Error('unreachable');
    const { view } = wasmVram();
    let clock = 0;
    const t = tracker(hw.addon, view, 100, () => clock);
    t.trackDirtyVram(0, NP);
    clock += 150;
    t.trackDirtyVram(0, NP);
    expect(t.state).toBe('dropped');
    hw.addon._setSwitchDelayForTest(t.handleForTest()!, 300_000);
    let worker: Worker | null = null;
    let exited: Promise<unknown> = Promise.resolve();
    // the signal must come while the store is held in the fault; a loaded host can start the worker
    // late or early, so it signals every 50 ms until the store is through (a signal before it is harmless)
    const stored = new Int32Array(new SharedArrayBuffer(4));
    if (signal) {
      worker = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const addon = require(workerData.addon);
         parentPort.postMessage('ready');
         while (Atomics.load(workerData.stored, 0) === 0) {
           Atomics.wait(workerData.stored, 0, 0, 50);
           if (Atomics.load(workerData.stored, 0) === 0) addon._signalThreadForTest(workerData.tid, workerData.signo);
         }`,
        { eval: true, workerData: { addon: defaultAddonPath(), tid: process.pid, signo: os.constants.signals.SIGUSR2, stored } },
      );
      const w = worker;
      exited = new Promise((r) => w.once('exit', r));
      // a worker that fails says why here, not as a test timeout
      await new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    }
    view()[40 * PAGE_SIZE + 8] = 99; // faults; with the signal, gets through during the switch
    Atomics.store(stored, 0, 1);
    Atomics.notify(stored, 0);
    const res = t.trackDirtyVram(0, NP);
    const stats = t.nativeStats();
    await exited;
    return { res, stats, value: view()[40 * PAGE_SIZE + 8]! };
  }

  it('no signal: the faulting store is the one page the first query reports', async () => {
    if (!hw.ok) {
      expect(hw.reason.length).toBeGreaterThan(0);
      return;
    }
    const { res, stats, value } = await storeWhileDropped(false);
    expect(value).toBe(99);
    expect(pagesOf(res, 0)).toEqual([40]);
    expect(stats).toMatchObject({ rearms: 1, exactRearms: 1, lastFaultTid: process.pid });
  });

  it('a signal lets the store out of the fault during the switch: the first query answers ENODATA (repaint all)', async () => {
    if (!hw.ok) {
      expect(hw.reason.length).toBeGreaterThan(0);
      return;
    }
    const onSignal = () => {};
    process.on('SIGUSR2', onSignal); // a handler, so that the signal interrupts the fault instead of killing
    try {
      const { res, stats, value } = await storeWhileDropped(true);
      expect(value).toBe(99);
      expect(res.kind).toBe('enodata');
      expect(stats).toMatchObject({ rearms: 1, exactRearms: 0 });
    } finally {
      process.off('SIGUSR2', onSignal);
    }
  });
});

describe('no thread left blocked', () => {
  it('close() releases a writer blocked on a fault (a worker storing into shared WebAssembly memory)', async () => {
    if (!hw.ok) {
      expect(hw.reason.length).toBeGreaterThan(0);
      return;
    }
    const addon = hw.addon;
    const memory = new WebAssembly.Memory({ initial: 20, maximum: 64, shared: true });
    const view = new Uint8Array(memory.buffer, OFF, NP * PAGE_SIZE);
    let callbacks = 0;
    const h = addon.open(view, () => callbacks++);
    addon.protect(h, 0, NP);
    addon.drop(h, 0, NP);
    addon.setHold(h, true); // the addon's thread reads the fault and leaves the writer blocked
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const v = new Uint8Array(workerData.buffer, workerData.off, workerData.len);
       parentPort.postMessage('storing');
       v[workerData.at] = 42;
       parentPort.postMessage('stored');`,
      { eval: true, workerData: { buffer: memory.buffer, off: OFF, len: NP * PAGE_SIZE, at: 9 * PAGE_SIZE + 1 } },
    );
    const messages: string[] = [];
    worker.on('message', (m) => messages.push(m));
    const exited = new Promise<number>((r) => worker.on('exit', r));
    const deadline = Date.now() + 10_000;
    while (addon.stats(h).pending === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(addon.stats(h)).toMatchObject({ dropped: 1, pending: 1, faults: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toEqual(['storing']); // still blocked in its store
    expect(view[9 * PAGE_SIZE + 1]).toBe(0);
    addon.close(h); // torn down mid-fault
    expect(await exited).toBe(0);
    expect(messages).toEqual(['storing', 'stored']);
    expect(view[9 * PAGE_SIZE + 1]).toBe(42);
    expect(callbacks).toBe(0); // the fault never re-armed anything: no callback after close
    addon.close(h); // idempotent
    expect(() => addon.scan(h, 0, NP, new Uint32Array(8))).toThrow(/closed/);
  });

  it('a fault whose callback is still queued when the tracker closes runs nothing afterwards', async () => {
    if (!hw.ok) {
      expect(hw.reason.length).toBeGreaterThan(0);
      return;
    }
    const { view } = wasmVram();
    let clock = 0;
    const t = tracker(hw.addon, view, 100, () => clock);
    let rearms = 0;
    t.onRearm = () => rearms++;
    t.trackDirtyVram(0, NP);
    clock += 150;
    t.trackDirtyVram(0, NP);
    view()[3 * PAGE_SIZE] = 3; // fault: the callback is queued for the event loop
    t.close(); // before the event loop runs it
    await new Promise((r) => setTimeout(r, 30));
    expect(rearms).toBe(0);
    expect(view()[3 * PAGE_SIZE]).toBe(3);
    view()[4 * PAGE_SIZE] = 4; // nothing is registered any more
    expect(view()[4 * PAGE_SIZE]).toBe(4);
  });
});
