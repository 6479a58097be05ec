// The scripted machine: our TypeScript guest programs drive the VGA ports and store into GuestMemory,
// whose emulated MMU logs dirty LFB pages for the tracker (the teaching and test machine).
import { createTracker, type DirtyVramTracker } from '../hypervisor/dirty-log.js';
import { PortBus } from '../hypervisor/io.js';
import { GuestMemory } from '../hypervisor/memory.js';
import { RecencyTracker } from '../hypervisor/page-recency.js';
import { pageAlignedBuffer } from '../hypervisor/hwtrack-addon.js';
import { GuestRunner, type GuestProgram } from '../guest/guest.js';
import { GuestInput } from '../guest/input-devices.js';
import { I8042 } from '../input/i8042.js';
import { Ps2Input } from '../input/ps2-input.js';
import type { InputSink } from '../rfb/input.js';
import { vbeResize } from './vbe-resize.js';
import { VgaDevice } from '../vga/vga-device.js';
import { checkVramMb, type Machine, type MachineCommon } from './machine.js';

export interface ScriptedMachineOptions extends MachineCommon {
  guest: GuestProgram;
  seed: number;
  durationMs: number | null;
}

export class ScriptedMachine implements Machine {
  readonly io = new PortBus();
  readonly mem: GuestMemory;
  readonly tracker: DirtyVramTracker;
  readonly recency: RecencyTracker;
  /** The keyboard controller (ports 0x60/0x64) with its PS/2 keyboard and mouse. */
  readonly kbc = new I8042();
  readonly ps2: Ps2Input;
  readonly device: VgaDevice;
  /** The guest's view of viewer input (its listeners act as the IRQ). */
  readonly guestInput = new GuestInput();
  readonly input: InputSink;
  readonly guest: GuestRunner;
  readonly name: string;

  constructor(readonly options: ScriptedMachineOptions) {
    checkVramMb(options.vramMb);
    this.name = options.guest.name;
    const vramBytes = options.vramMb * 1024 * 1024;
    // hardware dirty bits need VRAM on pages of its own: a WebAssembly.Memory, as v86 has it
    this.mem = new GuestMemory(vramBytes, options.tracking === 'hw' ? pageAlignedBuffer(vramBytes)?.view : undefined);
    this.tracker = createTracker(this.mem, options.tracking, options.idleDropMs, undefined, options.notice);
    this.recency = new RecencyTracker(this.tracker, this.mem.nrPages);
    this.device = new VgaDevice(this.mem, this.io, this.recency);
    this.kbc.attach(this.io);
    this.ps2 = new Ps2Input(this.kbc, { log: options.log });
    // viewer input reaches the PS/2 devices first, then the GuestInput log (whose listeners act as the IRQ)
    // (the guest runs in its input handlers and timers: each is a run slice the tracker may look after)
    const ran = () => this.tracker.afterGuestRun?.();
    this.input = {
      keyEvent: (down, keysym, keycode) => {
        this.ps2.keyEvent(down, keysym, keycode);
        this.guestInput.keyEvent(down, keysym, keycode);
        ran();
      },
      pointerEvent: (mask, x, y) => {
        this.ps2.pointerEvent(mask, x, y);
        this.guestInput.pointerEvent(mask, x, y);
        ran();
      },
      cutText: (text) => {
        this.guestInput.cutText(text);
        ran();
      },
    };
    this.guest = new GuestRunner(this.io, this.mem, this.guestInput, options.seed, options.durationMs, options.log);
    this.guest.onSliceEnd = ran;
    this.kbc.onIrq = (line) => this.guest.raiseIrq(line); // guests wait for keys instead of polling
  }

  resizeDesktop(width: number, height: number, screens: number): number {
    return vbeResize(this.io, this.device.vbe, width, height, screens);
  }

  onGuestClipboard(cb: (text: string) => void): void {
    this.guestInput.onGuestClipboard(cb);
  }

  onKeyboardLeds(cb: (leds: number) => void): void {
    this.kbc.onLeds = cb;
  }

  async start(): Promise<void> {
    await this.guest.run(this.options.guest);
  }

  async stop(): Promise<void> {
    this.guest.stop();
  }

  stats(): object {
    return { input: { ...this.guestInput.counters, ps2: { ...this.ps2.counters }, i8042: { ...this.kbc.counters } } };
  }
}
