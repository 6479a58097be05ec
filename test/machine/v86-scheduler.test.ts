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
    /** What the next slice does: guest instructions it runs, and whether the guest halts at its end. */
    work: { instructions: 4000, halts: true },
    cpu: { wasm_memory, in_hlt: { byteOffset: IN_HLT }, instruction_counter: { byteOffset: 664 } },
    do_tick() {
      this.slices++;
      const words = new Uint32Array(wasm_memory.buffer);
      words[664 / 4] = (words[664 / 4]! + this.work.instructions) >>> 0;
      new Uint8Array(wasm_memory.buffer)[IN_HLT] = this.work.halts ? 1 : 0;
      this.next_tick(this.work.halts ? this.next : 0);
    },
    next_tick(t: number) {
      this.yield(t, ++this.tick_counter);
    },
    yield(_t: number, _tick: number) {},
  };
  const halt = (on: boolean) => (new Uint8Array(wasm_memory.buffer)[IN_HLT] = on ? 1 : 0);
  return { core, halt };
}

/** How many slices the scheduler ran in the next `ms`. */
async function slicesIn(core: { slices: number }, ms: number): Promise<number> {
  const n = core.slices;
  await new Promise((r) => setTimeout(r, ms));
  return core.slices - n;
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

  it('a slice the host cut short (the guest still running) is not work; a run of many instructions is', async () => {
    const { core, halt } = fakeCore();
    sched = new IdleScheduler(core as unknown as V86Core, { afterSlice: null, slackMs: 100, slackAfterMs: 200 });
    halt(true);
    await new Promise((r) => setTimeout(r, 250));
    core.next_tick(4);
    const slack = () => sched!.counters.slackSleeps;
    expect(slack()).toBe(1);
    // a stalled slice: 3,000 instructions, then the guest halts in the next one
    core.work = { instructions: 3000, halts: false };
    core.do_tick(); // ends running: an immediate follows
    core.work = { instructions: 1000, halts: true };
    const slices = core.slices;
    await new Promise((r) => setTimeout(r, 150)); // the immediate ran that slice; the guest sleeps again
    expect(sched.counters.immediates).toBe(1);
    // still idle: the slack holds (a busy guest would have had ~35 slices on its 4 ms timer)
    expect(slack()).toBeGreaterThanOrEqual(3);
    expect(core.slices - slices).toBeLessThan(6);
    // the guest at work: 4 slices of 200,000 instructions without a halt
    core.work = { instructions: 200_000, halts: false };
    halt(false);
    for (let i = 0; i < 4; i++) core.do_tick();
    core.work = { instructions: 1000, halts: true };
    const before = slack();
    await new Promise((r) => setTimeout(r, 50));
    expect(slack()).toBe(before); // busy a moment ago: served on the guest's own timer
  });

  it('the slack grows with the time the guest has slept: a tenth of it, up to slackMs', async () => {
    const { core, halt } = fakeCore();
    sched = new IdleScheduler(core as unknown as V86Core, { afterSlice: null, slackMs: 150, slackAfterMs: 300 });
    halt(true);
    core.next_tick(4);
    const served = (ms: number) => slicesIn(core, ms);
    await served(300); // asleep 0.3 s: from now on served every 30 ms or more
    const early = await served(300); // the sleeps grow from 30 to 60 ms: 5 to 10 slices
    expect(early).toBeGreaterThanOrEqual(2); // (fewer than 6 only when the host is slow to fire timers)
    expect(early).toBeLessThanOrEqual(11); // not the guest's own 4 ms timer: 75
    await served(900); // asleep 1.5 s: the cap, 150 ms
    const late = await served(600);
    expect(late).toBeGreaterThanOrEqual(1);
    expect(late).toBeLessThanOrEqual(5); // had the slack stayed at 30 ms: 20
  });

  it('while the screen changes the slack stays under changingSlackMs; once it is still it grows to slackMs', async () => {
    const { core, halt } = fakeCore();
    let still = false;
    sched = new IdleScheduler(core as unknown as V86Core, { afterSlice: null, slackMs: 400, changingSlackMs: 25, slackAfterMs: 200, screenStill: () => still });
    halt(true);
    core.next_tick(4);
    const served = (ms: number) => slicesIn(core, ms);
    await served(1000); // asleep 1 s: a tenth is 100 ms, but the screen changes: every 25 ms
    const changing = await served(600);
    expect(changing).toBeGreaterThanOrEqual(10); // 24 (fewer only when the host is slow to fire timers); the still cap: 6
    expect(changing).toBeLessThanOrEqual(25);
    still = true; // the tracker dropped: asleep ~1.6-2.5 s, served every 160-250 ms
    await served(300);
    const stillSlices = await served(900);
    expect(stillSlices).toBeGreaterThanOrEqual(1);
    expect(stillSlices).toBeLessThanOrEqual(6); // under the changing cap: 36
  });
});
