// `vramvnc bench guest`: the guest's side of the trade-off. Time for the guest to redraw a
// 1024x768x32 screen, one 32-bit store per pixel and with block fills (rep stosd), when
// - VRAM is plain memory (tracking off),
// - the hypervisor logs dirty pages (tracking armed),
// - tracking was dropped (VRAM write-protected: the first store to each page faults once),
// - every store traps to the device model (VRAM as MMIO, as the legacy VGA window is);
// and with the hardware backend (--tracking hw) where it runs: VRAM in WebAssembly memory untracked,
// armed (the kernel resolves the first store to each page), from dropped (one real fault, then re-armed).
import { EmulatedDirtyTracker } from '../hypervisor/dirty-log.js';
import { HwDirtyTracker } from '../hypervisor/hw-tracker.js';
import { loadHwtrack, pageAlignedBuffer } from '../hypervisor/hwtrack-addon.js';
import { GuestMemory, LFB_BASE, PAGE_SHIFT } from '../hypervisor/memory.js';
import { median, table } from './stats.js';

const W = 1024;
const H = 768;
const FB_BYTES = W * H * 4;
/** Where the trapped copy of VRAM is mapped (an MMIO BAR of its own). */
const TRAP_BASE = 0xd0000000;

export interface GuestBenchResult {
  case: string;
  pattern: 'stores' | 'fills';
  medianMs: number;
  nsPerStore: number;
  faults: number;
  traps: number;
  ratioToPlain: number;
  /** medianMs plus (faults + traps) × the modelled cost of one VM exit (hw: its faults are real, already timed) */
  modelledMs: number;
}

const NR = FB_BYTES >>> PAGE_SHIFT;
type Case = [string, (round: number) => { ms: number; faults: number; traps: number }];

/** The hardware backend's cases (faults counted are real MMU faults: none is modelled). */
function hwCases(pattern: 'stores' | 'fills', closers: (() => void)[]): Case[] | string {
  const load = loadHwtrack();
  if (!load.ok) return load.reason;
  const mem = () => {
    const buf = pageAlignedBuffer(8 << 20);
    if (!buf) throw new Error('no WebAssembly.Memory for VRAM');
    return new GuestMemory(8 << 20, buf.view);
  };
  const tracker = (m: GuestMemory, now: () => number, idleDropMs: number | null) => {
    const t = new HwDirtyTracker(load.addon, () => m.vram, { idleDropMs, now });
    closers.push(() => t.close());
    t.trackDirtyVram(0, NR);
    return t;
  };
  const untracked = mem();
  const armedMem = mem();
  const armed = tracker(armedMem, () => performance.now(), null);
  const droppedMem = mem();
  let now = 0;
  const dropped = tracker(droppedMem, () => now, 1);
  return [
    ['hw: WebAssembly memory, untracked', (r) => time(() => redraw(untracked, LFB_BASE, pattern, r))],
    ['hw: armed (async write-protect)', (r) => {
      const res = time(() => redraw(armedMem, LFB_BASE, pattern, r));
      const q = armed.trackDirtyVram(0, NR); // the pages the kernel saw written (one resolved fault each)
      return { ...res, faults: q.kind === 'ok' ? q.count : NaN };
    }],
    ['hw: from dropped (one fault, re-arm)', (r) => {
      now += 10;
      dropped.trackDirtyVram(0, NR);
      now += 10;
      dropped.trackDirtyVram(0, NR); // quiet: drops (synchronous write-protect)
      const f0 = dropped.nativeStats()!.faults;
      const res = time(() => redraw(droppedMem, LFB_BASE, pattern, r));
      return { ...res, faults: dropped.nativeStats()!.faults - f0 };
    }],
  ];
}

/** A device model that sees every store: writes VRAM and records the exact dirty page. */
class TrappingDevice {
  traps = 0;
  readonly dirty = new Uint32Array((FB_BYTES >>> PAGE_SHIFT) / 32 + 1);
  constructor(readonly vram32: Uint32Array) {}
  read(addr: number): number {
    return this.vram32[(addr - TRAP_BASE) >>> 2]!;
  }
  write(addr: number, _size: 1 | 2 | 4, v: number): void {
    this.traps++;
    const off = addr - TRAP_BASE;
    this.vram32[off >>> 2] = v;
    const p = off >>> PAGE_SHIFT;
    this.dirty[p >>> 5]! |= 1 << (p & 31);
  }
}

function redraw(mem: GuestMemory, base: number, pattern: 'stores' | 'fills', colour: number): void {
  if (pattern === 'stores') {
    for (let i = 0; i < W * H; i++) mem.store32(base + i * 4, colour ^ i);
  } else {
    for (let y = 0; y < H; y++) mem.fill32(base + y * W * 4, W, colour ^ y);
  }
}

export function benchGuest(rounds: number, exitUs: number, notice: (line: string) => void = () => {}): GuestBenchResult[] {
  const out: GuestBenchResult[] = [];
  const closers: (() => void)[] = [];
  for (const pattern of ['stores', 'fills'] as const) {
    const cases: Case[] = [];
    // plain memory: tracking off
    {
      const mem = new GuestMemory(8 << 20);
      cases.push(['plain (tracking off)', (r) => time(() => redraw(mem, LFB_BASE, pattern, r))]);
    }
    // dirty logging armed
    {
      const mem = new GuestMemory(8 << 20);
      const t = new EmulatedDirtyTracker(mem, { idleDropMs: null });
      t.trackDirtyVram(0, FB_BYTES >>> PAGE_SHIFT);
      cases.push(['dirty logging (armed)', (r) => {
        const res = time(() => redraw(mem, LFB_BASE, pattern, r));
        t.trackDirtyVram(0, FB_BYTES >>> PAGE_SHIFT); // the device model harvests between frames
        return res;
      }]);
    }
    // from the dropped state: every page write-protected, one fault each
    {
      let now = 0;
      const mem = new GuestMemory(8 << 20);
      const t = new EmulatedDirtyTracker(mem, { idleDropMs: 1, now: () => now });
      t.trackDirtyVram(0, FB_BYTES >>> PAGE_SHIFT);
      cases.push(['from dropped (fault per page)', (r) => {
        now += 10;
        t.trackDirtyVram(0, FB_BYTES >>> PAGE_SHIFT); // harvest
        now += 10;
        t.trackDirtyVram(0, FB_BYTES >>> PAGE_SHIFT); // quiet: drops, VRAM write-protected
        const f0 = t.counters.faults;
        const res = time(() => redraw(mem, LFB_BASE, pattern, r));
        return { ...res, faults: t.counters.faults - f0 };
      }]);
    }
    // every store traps to the device model
    {
      const mem = new GuestMemory(8 << 20);
      const dev = new TrappingDevice(mem.vram32);
      mem.mapMmio(TRAP_BASE, FB_BYTES, dev);
      cases.push(['trap every store (MMIO)', (r) => {
        const t0 = dev.traps;
        const res = time(() => redraw(mem, TRAP_BASE, pattern, r));
        return { ...res, traps: dev.traps - t0 };
      }]);
    }
    const hw = hwCases(pattern, closers);
    if (typeof hw === 'string') {
      if (pattern === 'stores') notice(`bench guest: no hw rows (${hw})`);
    } else cases.push(...hw);
    let plain = NaN;
    for (const [name, run] of cases) {
      run(-1); // warm up
      const runs = Array.from({ length: rounds }, (_, i) => run(i));
      const ms = median(runs.map((r) => r.ms));
      if (Number.isNaN(plain)) plain = ms;
      out.push({
        case: name,
        pattern,
        medianMs: ms,
        nsPerStore: (ms * 1e6) / (pattern === 'stores' ? W * H : W * H),
        faults: runs.at(-1)!.faults,
        traps: runs.at(-1)!.traps,
        ratioToPlain: ms / plain,
        modelledMs: name.startsWith('hw:') ? ms : ms + ((runs.at(-1)!.faults + runs.at(-1)!.traps) * exitUs) / 1000,
      });
    }
  }
  for (const c of closers) c();
  return out;
}

function time(fn: () => void): { ms: number; faults: number; traps: number } {
  const t0 = performance.now();
  fn();
  return { ms: performance.now() - t0, faults: 0, traps: 0 };
}

export function formatGuestTable(rs: GuestBenchResult[], rounds: number, exitUs: number): string {
  return [
    `guest redraw of 1024x768x32 (786,432 pixels): 'stores' = one 32-bit store per pixel, 'fills' = one rep stosd per scanline; median of ${rounds} rounds`,
    `note: a trap or fault here is a function call in one process; on hardware each is a VM exit, so 'modelled' adds ${exitUs} us per exit (--exit-us); hw rows: real MMU faults (userfaultfd), already in the time`,
    table(
      ['pattern', 'case', 'median ms', 'ns/pixel', 'x plain', 'faults', 'traps', `modelled ms`],
      rs.map((r) => [r.pattern, r.case, r.medianMs.toFixed(2), r.nsPerStore.toFixed(2), r.ratioToPlain.toFixed(2), String(r.faults), String(r.traps), r.modelledMs.toFixed(1)]),
    ),
  ].join('\n');
}
