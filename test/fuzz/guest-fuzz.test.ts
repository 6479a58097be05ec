// A hostile guest: random port I/O (any registered port, any width, any value) and random stores
// and loads anywhere (legacy window, around and inside the LFB, MMIO, nowhere), interleaved with
// display refreshes. Nothing may throw, the device may only ever describe a framebuffer inside
// VRAM, refresh work stays bounded, and afterwards a well-behaved guest gets its picture shown.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_APP_OPTIONS, VramVnc } from '../../src/app.js';
import { Fb32, setVbeMode } from '../../src/guest/guest.js';
import { idleGuest } from '../../src/guest/programs.js';
import { LFB_BASE } from '../../src/hypervisor/memory.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const RUNS = Number(process.env.FUZZ_RUNS_GUEST ?? 150);

function makeVm(vramMb: number): VramVnc {
  return new VramVnc({ ...DEFAULT_APP_OPTIONS, vramMb, guest: idleGuest, vnc: null, web: null, log: () => {} });
}

/** Ports and MMIO windows of whatever devices a VM registers (probed once). */
const probe = makeVm(1);
const PORTS = probe.io.registeredPorts();
const MMIO = probe.mem.mmioRanges();

const value = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 1, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const port = fc.oneof(
  { weight: 6, arbitrary: PORTS.length > 0 ? fc.constantFrom(...PORTS) : fc.integer({ min: 0, max: 0xffff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x3b0, max: 0x3df }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);

/** Addresses where trouble lives: window edges, the LFB and its ends, MMIO, anywhere. */
function address(vramSize: number): fc.Arbitrary<number> {
  const edges = [LFB_BASE - 4, LFB_BASE - 1, LFB_BASE, LFB_BASE + vramSize - 4, LFB_BASE + vramSize - 1, LFB_BASE + vramSize, 0xa0000 - 1, 0xbffff, 0xc0000, 0, 0xffffffff];
  return fc.oneof(
    fc.constantFrom(...edges).chain((e) => fc.integer({ min: -8, max: 8 }).map((d) => (e + d) >>> 0)),
    fc.integer({ min: 0xa0000, max: 0xbffff }),
    fc.integer({ min: 0, max: vramSize - 1 }).map((o) => LFB_BASE + o),
    ...MMIO.map((r) => fc.integer({ min: r.base - 4, max: r.base + r.size + 4 })),
    fc.integer({ min: 0, max: 0xffffffff }),
  );
}

type Op =
  | { k: 'out'; port: number; size: 1 | 2; v: number }
  | { k: 'in'; port: number; size: 1 | 2 }
  | { k: 'pair'; port: number; index: number; v: number }
  | { k: 'vbe'; index: number; v: number }
  | { k: 'store' | 'load'; addr: number; size: 1 | 2 | 4; v: number }
  | { k: 'bulk'; what: 'fill8' | 'fill32' | 'copy'; addr: number; addr2: number; len: number; v: number }
  | { k: 'refresh' };

function ops(vramSize: number): fc.Arbitrary<Op[]> {
  const addr = address(vramSize);
  const size12 = fc.constantFrom(1 as const, 2 as const);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ k: fc.constant('out' as const), port, size: size12, v: value }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('in' as const), port, size: size12 }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('pair' as const), port, index: fc.integer({ min: 0, max: 0x3f }), v: value }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('vbe' as const), index: fc.integer({ min: 0, max: 15 }), v: value }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constantFrom('store' as const, 'load' as const), addr, size: fc.constantFrom(1 as const, 2 as const, 4 as const), v: value }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('bulk' as const), what: fc.constantFrom('fill8' as const, 'fill32' as const, 'copy' as const), addr, addr2: addr, len: fc.integer({ min: -4, max: 4096 }), v: value }) },
    { weight: 2, arbitrary: fc.constant({ k: 'refresh' as const }) },
  );
  return fc.array(op, { maxLength: 120 });
}

function apply(vm: VramVnc, o: Op): void {
  const { io, mem } = vm;
  switch (o.k) {
    case 'out':
      if (o.size === 1) io.outb(o.port, o.v);
      else io.outw(o.port, o.v);
      return;
    case 'in':
      if (o.size === 1) io.inb(o.port);
      else io.inw(o.port);
      return;
    case 'pair': // an index/data register pair, as VGA's sequencer, GC, CRTC and attribute ports are
      io.outb(o.port, o.index);
      io.outb(o.port + 1, o.v);
      return;
    case 'vbe':
      io.outw(0x1ce, o.index);
      io.outw(0x1cf, o.v);
      return;
    case 'store':
      if (o.size === 1) mem.store8(o.addr, o.v);
      else if (o.size === 2) mem.store16(o.addr, o.v);
      else mem.store32(o.addr, o.v);
      return;
    case 'load': {
      const v = o.size === 1 ? mem.load8(o.addr) : o.size === 2 ? mem.load16(o.addr) : mem.load32(o.addr);
      expect(Number.isInteger(v)).toBe(true);
      return;
    }
    case 'bulk':
      if (o.what === 'fill8') mem.fill8(o.addr, o.len, o.v);
      else if (o.what === 'fill32') mem.fill32(o.addr, o.len >> 2, o.v);
      else mem.copy(o.addr, o.addr2, o.len);
      return;
    case 'refresh':
      refreshAndCheck(vm);
  }
}

const MAX_W = 4096;
const MAX_H = 4096;

/** One refresh, then the invariants: a sane surface over a framebuffer that lies inside VRAM. */
function refreshAndCheck(vm: VramVnc): void {
  const before = vm.device.counters.pixelsCompared;
  vm.pipeline.refresh();
  const s = vm.device.surface;
  expect(s.width).toBeGreaterThan(0);
  expect(s.height).toBeGreaterThan(0);
  expect(s.width).toBeLessThanOrEqual(MAX_W);
  expect(s.height).toBeLessThanOrEqual(MAX_H);
  expect(s.data.length).toBe(s.width * s.height);
  // bounded work per refresh: at most every pixel, a couple of times
  expect(vm.device.counters.pixelsCompared - before).toBeLessThanOrEqual(2 * s.width * s.height);
  const m = vm.device.vbe.mode();
  if (m) {
    const bits = m.bpp === 15 ? 16 : m.bpp;
    const end = m.startByte + (m.height - 1) * m.stride + Math.ceil((m.width * bits) / 8);
    expect(end, `VBE ${m.width}x${m.height}x${m.bpp} stride ${m.stride} at ${m.startByte} ends past VRAM`).toBeLessThanOrEqual(vm.mem.vramSize);
  }
}

describe('hostile guest', () => {
  it(`random port and MMIO accesses (${PORTS.length} registered ports, ${MMIO.length} MMIO windows) never throw or escape VRAM`, () => {
    expect(PORTS).toEqual(expect.arrayContaining([0x1ce, 0x1cf]));
    const vramMbs = fc.constantFrom(1, 2, 4, 16);
    fc.assert(
      fc.property(vramMbs.chain((mb) => ops(mb * 1024 * 1024).map((list) => [mb, list] as const)), ([mb, list]) => {
        const vm = makeVm(mb);
        // the tracker may only be asked about pages that exist
        const track = vm.tracker.trackDirtyVram.bind(vm.tracker);
        vm.tracker.trackDirtyVram = (first, nr) => {
          expect(first + nr).toBeLessThanOrEqual(vm.mem.nrPages);
          return track(first, nr);
        };
        for (const o of list) apply(vm, o);
        refreshAndCheck(vm);
        expect(vm.mem.vram.length).toBe(mb * 1024 * 1024);

        // and the machine still works: a well-behaved driver sets a mode and draws; the display shows it
        setVbeMode(vm.io, 64, 48, 32);
        const fb = new Fb32(vm.mem, 64, 48);
        fb.fillRect(0, 0, 64, 48, 0x203040);
        fb.fillRect(8, 8, 16, 16, 0xff8000);
        vm.pipeline.refresh();
        expect(vm.device.surface.width).toBe(64);
        expect(Buffer.from(vm.device.surface.data.buffer).equals(Buffer.from(vm.device.screenshot().data.buffer))).toBe(true);
        vm.pipeline.stop();
        vm.guest.stop();
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);
});
