// The guest side: programs that drive the VGA device through ports and VRAM, as guest code would.
import { setVbeMode as setVbeModeRegisters, VBE_DISPI_INDEX_VIDEO_MEMORY_64K, VBE_DISPI_INDEX_XRES, VBE_DISPI_INDEX_YRES, VBE_DISPI_IOPORT_DATA, VBE_DISPI_IOPORT_INDEX } from '../vga/vbe.js';
import type { PortBus } from '../hypervisor/io.js';
import type { GuestInput } from './input-devices.js';
import { LFB_BASE, type GuestMemory } from '../hypervisor/memory.js';

/** Everything a guest program may touch: its ports, its memory, its clock. */
export interface GuestContext {
  readonly io: PortBus;
  readonly mem: GuestMemory;
  readonly rng: () => number;
  readonly seed: number;
  /** Run fn after ms, unless the guest has been stopped (or its --duration is over). */
  setTimeout(fn: () => void, ms: number): void;
  setInterval(fn: () => void, ms: number): void;
  /**
   * Run fn whenever interrupt line `irq` is raised (1: the keyboard controller has a byte), as
   * firmware that halts until an interrupt instead of polling; several raises before fn runs
   * run it once.
   */
  onIrq(irq: number, fn: () => void): void;
  /** True once the guest must not write any more. */
  readonly stopped: boolean;
  /** Input from viewers (key, pointer, clipboard events), for guests that read it. */
  readonly input: GuestInput;
  readonly log: (line: string) => void;
}

export interface GuestProgram {
  readonly name: string;
  start(ctx: GuestContext): void | Promise<void>;
}

/** mulberry32: a small, deterministic PRNG seeded by --seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs one guest program with timers it cannot outlive. */
export class GuestRunner {
  #timers = new Set<NodeJS.Timeout>();
  #stopped = false;
  readonly ctx: GuestContext;
  /** Called after each timer callback of the guest (one run slice). */
  onSliceEnd: (() => void) | null = null;

  constructor(io: PortBus, mem: GuestMemory, input: GuestInput, seed: number, durationMs: number | null, log: (line: string) => void = () => {}) {
    const runner = this;
    const track = (t: NodeJS.Timeout) => {
      this.#timers.add(t);
      return t;
    };
    this.ctx = {
      io,
      mem,
      input,
      seed,
      rng: mulberry32(seed),
      log,
      get stopped() {
        return runner.#stopped;
      },
      setTimeout: (fn, ms) => {
        const t = track(
          setTimeout(() => {
            this.#timers.delete(t);
            if (!this.#stopped) this.slice(() => this.#guard(fn));
          }, ms),
        );
      },
      setInterval: (fn, ms) => {
        track(
          setInterval(() => {
            if (!this.#stopped) this.slice(() => this.#guard(fn));
          }, ms),
        );
      },
      onIrq: (irq, fn) => {
        const list = this.#irqHandlers.get(irq) ?? [];
        list.push(fn);
        this.#irqHandlers.set(irq, list);
      },
    };
    if (durationMs !== null) {
      const t = setTimeout(() => this.stop(), durationMs);
      t.unref();
      this.#timers.add(t);
    }
  }

  async run(program: GuestProgram): Promise<void> {
    this.#name = program.name;
    await program.start(this.ctx);
    this.onSliceEnd?.();
  }

  /** Run guest code (a timer's, or a benchmark's stores from outside), then end the run slice. */
  slice(fn: () => void): void {
    fn();
    this.onSliceEnd?.();
  }

  #name = 'guest';
  #irqHandlers = new Map<number, (() => void)[]>();
  #irqPending = new Set<number>();
  #irqImmediate: NodeJS.Immediate | null = null;

  /**
   * A device raised interrupt line irq: the guest's handlers run in a slice of their own, after the
   * device code that raised it has returned (as a CPU takes the interrupt after the instruction).
   */
  raiseIrq(irq: number): void {
    if (this.#stopped || !this.#irqHandlers.has(irq)) return;
    this.#irqPending.add(irq);
    this.#irqImmediate ??= setImmediate(() => {
      this.#irqImmediate = null;
      const lines = [...this.#irqPending];
      this.#irqPending.clear();
      if (this.#stopped) return;
      this.slice(() => {
        for (const l of lines) for (const fn of this.#irqHandlers.get(l) ?? []) this.#guard(fn);
      });
    });
  }

  /** A guest step that throws stops the guest with a log line; the server keeps serving. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log(`guest '${this.#name}' stopped: ${(err as Error).message}`);
      this.stop();
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#irqImmediate) clearImmediate(this.#irqImmediate);
    this.#irqImmediate = null;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

/**
 * Set a VBE mode as a Bochs VBE driver does, then read the resolution back: the card clamps a mode
 * that does not fit its video RAM (QEMU's vbe_fixup_regs), and a guest should say so rather than
 * draw into a smaller screen than it thinks it has.
 */
export function setVbeMode(io: PortBus, width: number, height: number, bpp: number, keepVram = false): void {
  setVbeModeRegisters(io, width, height, bpp, keepVram);
  const read = (index: number) => {
    io.outw(VBE_DISPI_IOPORT_INDEX, index);
    return io.inw(VBE_DISPI_IOPORT_DATA);
  };
  if (read(VBE_DISPI_INDEX_XRES) !== width || read(VBE_DISPI_INDEX_YRES) !== height) {
    const mib = (b: number) => `${Math.round((b / (1 << 20)) * 10) / 10} MiB`;
    const have = read(VBE_DISPI_INDEX_VIDEO_MEMORY_64K) * 65536;
    throw new Error(`VBE ${width}x${height}x${bpp} needs ${mib(width * height * Math.ceil(bpp / 8))} of video RAM; the card has ${mib(have)} (give a larger --vram-mb)`);
  }
}

/** A 32 bpp linear framebuffer as guest drawing code sees it: every store goes through guest memory. */
export class Fb32 {
  constructor(readonly mem: GuestMemory, readonly width: number, readonly height: number, readonly base = LFB_BASE) {}

  get stride(): number {
    return this.width * 4;
  }

  pixel(x: number, y: number, rgb: number): void {
    this.mem.store32(this.base + (y * this.width + x) * 4, rgb);
  }

  fillRect(x: number, y: number, w: number, h: number, rgb: number): void {
    const x0 = Math.max(0, x);
    const x1 = Math.min(this.width, x + w);
    if (x1 <= x0) return;
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      this.mem.fill32(this.base + (yy * this.width + x0) * 4, x1 - x0, rgb);
    }
  }

  /** Copy packed 32 bpp rows from a guest-side buffer (a row blit). */
  blit(x: number, y: number, w: number, h: number, src: Uint32Array): void {
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    this.mem.blitRows(this.base + (y * this.width + x) * 4, this.stride, bytes, w * 4, w * 4, h);
  }
}
