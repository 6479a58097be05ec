// The v86 scheduler on a stand-in for v86's main loop: how it sleeps a halted guest (until its next
// timer, whole milliseconds, the idle slack) and wakes it for input at once.
import { afterEach, describe, expect, it } from 'vitest';
import { IdleScheduler } from '../../src/machine/v86/scheduler.js';
import type { V86Core } from '../../src/machine/v86/internals.js';

const IN_HLT = 616;

function fakeCore() {
  const wasm_memory = new WebAssembly.Memory({ initial: 1 });
  const core = {
    tick_counter: 0,
    running: true,
    idle: true,
    slices: 0,
    next: 4, // the guest's next timer, as main_loop would answer
    cpu: { wasm_memory, in_hlt: { byteOffset: IN_HLT }, instruction_counter: { byteOffset: 664 } },
    do_tick() {
      this.slices++;
      this.next_tick(this.next);
    },
    next_tick(t: number) {
      this.yield(t, ++this.tick_counter);
    },
    yield(_t: number, _tick: number) {},
  };
  const halt = (on: boolean) => (new Uint8Array(wasm_memory.buffer)[IN_HLT] = on ? 1 : 0);
  return { core, halt };
}

let sched: IdleScheduler | null = null;
afterEach(() => sched?.stop());

describe('the v86 scheduler', () => {
  it('sleeps a halted guest until its next timer, rounded up to whole ms, and wakes it at once for an interrupt', () => {
    const { core, halt } = fakeCore();
    sched = new IdleScheduler(core as unknown as V86Core, { afterSlice: null, slackMs: 0 });
    halt(true);
    core.next_tick(3.2);
    expect(sched.counters).toMatchObject({ sleeps: 1, immediates: 0, slackSleeps: 0 });
    core.next_tick(0); // v86's stop_idling: an IRQ was raised while halted
    expect(sched.counters).toMatchObject({ sleeps: 1, immediates: 1 });
    halt(false);
    core.next_tick(0.3); // running: back to back
    expect(sched.counters).toMatchObject({ sleeps: 1, immediates: 2 });
  });

  it('serves a long-idle guest at most every slackMs; input ends the slack until the guest has slept again', async () => {
    const { core, halt } = fakeCore();
    sched = new IdleScheduler(core as unknown as V86Core, { afterSlice: null, slackMs: 100, slackAfterMs: 300 });
    halt(true);
    core.next_tick(4);
    expect(sched.counters.slackSleeps).toBe(0); // not idle long enough yet
    await new Promise((r) => setTimeout(r, 400));
    const before = sched.counters.slackSleeps;
    core.next_tick(4);
    expect(sched.counters.slackSleeps).toBe(before + 1);
    sched.activity(); // a key arrived
    core.next_tick(4);
    expect(sched.counters.slackSleeps).toBe(before + 1);
    // the slices keep running on the guest's own timer meanwhile (the stand-in re-arms 4 ms)
    const slices = core.slices;
    await new Promise((r) => setTimeout(r, 100));
    expect(core.slices).toBeGreaterThan(slices);
  });
});
