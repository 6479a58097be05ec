// v86's main loop, rescheduled for a server. v86 runs the CPU in slices (`do_tick`) and asks how long
// to wait before the next one (`yield(t)`: the time to the next timer interrupt, 0 while busy). In
// Node it answers t < 1 ms with setImmediate, which for a halted guest whose timers are due in less
// than a millisecond means tens of thousands of empty wake-ups a second. Here a halted guest sleeps
// in one timer until the next due time, never less than `haltedFloorMs`; an interrupt from a device
// (a key, the mouse) wakes it at once through v86's own stop_idling path (next_tick(0)), and a busy
// guest keeps running back to back. After each slice the machine's hook may harvest the dirty log.
//
// Timer slack: a guest with a periodic tick (Debian's i386 kernel: HZ_PERIODIC at 250 Hz) is woken
// 250 times a second even when it has nothing to do. Each wake-up costs v86 0.5 ms on a busy host and
// 5-30 ms on a quiet one (a vCPU that slept a second comes back with cold caches and TLBs: the same
// 60,000 memory reads cost 1 ms 5 ms after the last and 25 ms a second after; the guest's tick code,
// v86's interpreter and its compiled modules touch ~700 pages), and the longer the sleep the more it
// costs, so only fewer wake-ups help. Once the guest has done nothing but sleep for `slackAfterMs`,
// its timers are served late by at most a tenth of the time it has slept, and never later than
// `slackMs` while the screen is still (the machine says: the dirty tracker dropped, nothing drawn for
// its idle period) or `changingSlackMs` while the guest still draws on its own (a blinking cursor, a
// clock: they keep their pace within a second). The guest's clock stays right (Linux counts time from
// its clocksource, not from ticks); its timers fire late by that much, no more. Any input, and any
// run in which the guest worked, ends the slack at once.
import { wasmView, type V86Core } from './internals.js';

export interface SchedulerCounters {
  /** Slices run (do_tick calls). */
  slices: number;
  /** Slices that started with the guest halted. */
  haltedSlices: number;
  /** Timers set while the guest was halted, and immediates while it ran. */
  sleeps: number;
  immediates: number;
  /** Sleeps made longer than the guest's next timer by the slack. */
  slackSleeps: number;
}

export interface SchedulerOptions {
  /** Called after each slice with the slice's wall time (ms). */
  afterSlice: ((ranMs: number) => void) | null;
  /** The shortest sleep of a halted guest (ms). */
  haltedFloorMs?: number;
  /** A long-idle guest's timers are served at least this often while the screen is still (ms; 0: never late). See the header. */
  slackMs?: number;
  /** ... and at least this often while it changes (ms; capped by slackMs). */
  changingSlackMs?: number;
  /** Whether the screen has been still (nothing drawn) for a while: the longer slack applies. */
  screenStill?: () => boolean;
  /** How long the guest must have only slept before the slack applies (ms). */
  slackAfterMs?: number;
}

/**
 * A run of the guest (from waking up to its next halt, over as many slices as it takes) of more
 * guest instructions than this is the guest at work (a periodic tick of an idle Linux is a few
 * thousand). Counted in instructions, not wall time or slices: a slice cut short because the host
 * stalled it (a garbage collection, another process on the core) ends with the guest still running,
 * and must not make an idle guest look busy (it did, about once in 30 s: a second of 250 wake-ups).
 */
const BUSY_INSTRUCTIONS = 500_000;

/** A sleeping guest's timers are served late by at most this share of the time it has slept. */
const SLACK_SHARE = 0.1;

/** The slack's cap while the guest draws on its own (ms): see the header. */
export const CHANGING_SLACK_MS = 1000;

export class IdleScheduler {
  readonly counters: SchedulerCounters = { slices: 0, haltedSlices: 0, sleeps: 0, immediates: 0, slackSleeps: 0 };
  /** The most a long-idle guest's timers are served late while the screen is still (ms). See the header: 0 turns the slack off. */
  slackMs: number;
  /** ... and while the guest draws on its own. */
  changingSlackMs: number;
  readonly slackAfterMs: number;
  /** performance.now() when the guest last did something besides sleeping (or input arrived). */
  #busyAt = performance.now();
  /** Guest instructions since it last halted. */
  #runInstructions = 0;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #stopped = false;
  /** The shortest sleep of a halted guest (ms). */
  haltedFloorMs: number;
  /** v86's WebAssembly memory as bytes (its in_hlt view is made anew on every access: we read our own). */
  readonly #bytes: () => Uint8Array;
  readonly #hltAddr: number;
  readonly #insnAddr: number;

  constructor(readonly core: V86Core, readonly options: SchedulerOptions) {
    this.haltedFloorMs = options.haltedFloorMs ?? 1;
    this.slackMs = options.slackMs ?? 0;
    this.changingSlackMs = options.changingSlackMs ?? CHANGING_SLACK_MS;
    this.slackAfterMs = options.slackAfterMs ?? 1000;
    const cpu = core.cpu;
    this.#bytes = wasmView(cpu, (buf) => new Uint8Array(buf));
    this.#hltAddr = cpu.in_hlt.byteOffset;
    this.#insnAddr = cpu.instruction_counter.byteOffset;
    const doTick = core.do_tick.bind(core);
    core.do_tick = () => {
      const halted = this.#halted();
      this.counters.slices++;
      if (halted) this.counters.haltedSlices++;
      const t0 = performance.now();
      const i0 = this.#instructions();
      doTick();
      const t1 = performance.now();
      this.#runInstructions += (this.#instructions() - i0) >>> 0;
      if (this.#runInstructions > BUSY_INSTRUCTIONS) this.#busyAt = t1;
      if (this.#halted()) this.#runInstructions = 0;
      this.options.afterSlice?.(t1 - t0);
    };
    core.yield = (t: number, tick: number) => this.#yield(t, tick);
  }

  #instructions(): number {
    const v = this.#bytes();
    const a = this.#insnAddr;
    return (v[a]! | (v[a + 1]! << 8) | (v[a + 2]! << 16) | (v[a + 3]! << 24)) >>> 0;
  }

  #halted(): boolean {
    return this.#bytes()[this.#hltAddr] !== 0;
  }

  #yield(t: number, tick: number): void {
    if (this.#stopped) return;
    this.#cancel();
    const run = () => {
      this.#timer = null;
      this.#immediate = null;
      if (tick === this.core.tick_counter) this.core.do_tick();
    };
    if (this.#halted() && t > 0) {
      this.counters.sleeps++;
      // Node's timers have whole milliseconds and would fire before a fractional due time
      let ms = Math.max(this.haltedFloorMs, Math.ceil(t));
      const asleep = performance.now() - this.#busyAt;
      const cap = this.options.screenStill?.() ? this.slackMs : Math.min(this.slackMs, this.changingSlackMs);
      const slack = Math.min(cap, Math.floor(asleep * SLACK_SHARE));
      if (slack > ms && asleep >= this.slackAfterMs) {
        ms = slack;
        this.counters.slackSleeps++;
      }
      this.#timer = setTimeout(run, ms);
    } else if (t < 1) {
      this.counters.immediates++;
      this.#immediate = setImmediate(run);
    } else {
      this.counters.sleeps++;
      this.#timer = setTimeout(run, Math.ceil(t));
    }
  }

  /** Viewer input arrived: the guest is about to be busy; no slack until it has slept a while again. */
  activity(): void {
    this.#busyAt = performance.now();
  }

  #cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel();
  }
}
