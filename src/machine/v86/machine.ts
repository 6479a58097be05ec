// The v86 machine: a real x86 CPU (npm v86, WebAssembly JIT) runs real firmware, bootloaders and
// OSes; vramvnc's own VGA device model owns the VGA ports, the Bochs DISPI ports and the legacy
// window; VRAM is v86's linear framebuffer memory; a tracker backend keeps Xen's contract over
// v86's dirty log; viewers' input reaches v86's i8042/PS/2 devices.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ScanTracker, type DirtyVramTracker } from '../../hypervisor/dirty-log.js';
import { PortBus } from '../../hypervisor/io.js';
import { RecencyTracker } from '../../hypervisor/page-recency.js';
import { KeyTranslator } from '../../input/key-translator.js';
import { set1Bytes } from '../../input/scancodes.js';
import type { InputSink } from '../../rfb/input.js';
import { VgaDevice } from '../../vga/vga-device.js';
import { MachineOptionError, type Machine, type MachineCommon } from '../machine.js';
import { bridgePorts, V86Vram } from './host.js';
import { checkV86Internals, type V86Core } from './internals.js';
import { IdleScheduler, type SchedulerCounters } from './scheduler.js';
import { V86DirtyTracker, v86DirtyLog } from './tracker.js';
import { openHwTracker } from '../../hypervisor/hw-tracker.js';

const stderrLine = (line: string) => process.stderr.write(`${line}\n`);

export const DEFAULT_BIOS = '/usr/share/seabios/bios.bin';
export const DEFAULT_VGA_BIOS = '/usr/share/seabios/vgabios-stdvga.bin';
export const DEFAULT_IDLE_SLACK_MS = 5000;
/** The largest --idle-slack-ms (ms). */
export const MAX_IDLE_SLACK_MS = 60_000;

export interface V86MachineOptions extends MachineCommon {
  bios?: string;
  vgaBios?: string;
  cdrom?: string;
  hda?: string;
  fda?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  /** Guest RAM in MiB (default 128). */
  memoryMb?: number;
  /** Give the guest ACPI, a local APIC and an I/O APIC (default false: Linux's bochs DRM driver then fails to bind here). */
  acpi?: boolean;
  /**
   * Once the guest has only slept for a second, its timers may be served late by a tenth of the time
   * it has slept, at most this much while the screen is still and at most 1 s while the guest draws
   * (ms; default 5000; 0: never late). Input ends it at once. See scheduler.ts.
   */
  idleSlackMs?: number;
  /** While tracking is dropped, v86's log is harvested at most this often while the guest runs (default 30 ms). */
  droppedCheckMs?: number;
}

/** The VGA device's ports on v86's bus: all of 0x3B0-0x3DF, and Bochs DISPI index/data. */
const VGA_PORTS = [...Array.from({ length: 0x30 }, (_, i) => 0x3b0 + i), 0x1ce, 0x1cf];

interface V86Emulator {
  v86: unknown;
  add_listener(event: string, cb: (arg: unknown) => void): void;
  run(): Promise<void> | void;
  stop(): Promise<void>;
  destroy(): Promise<void>;
  keyboard_send_scancodes(codes: number[]): void;
  bus: { send(name: string, data: unknown): void };
}

function readImage(path: string, option: string, hint: string): { buffer: ArrayBuffer } {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
    throw new MachineOptionError(option, `${option} ${path}: ${why}${hint}`);
  }
  return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
}

/** Boot v86 up to its first instruction with our device in place; `start()` then runs it. */
export async function createV86Machine(options: V86MachineOptions): Promise<V86Machine> {
  const vramMb = options.vramMb;
  if (!Number.isInteger(vramMb) || vramMb < 1 || vramMb > 256 || (vramMb & (vramMb - 1)) !== 0) {
    throw new MachineOptionError('vramMb', `vramMb must be a power of two from 1 to 256 for v86, got ${vramMb}`);
  }
  const memoryMb = options.memoryMb ?? 128;
  if (!Number.isInteger(memoryMb) || memoryMb < 8 || memoryMb > 2048) {
    throw new MachineOptionError('memoryMb', `memoryMb must be an integer from 8 to 2048, got ${memoryMb}`);
  }
  const slack = options.idleSlackMs ?? DEFAULT_IDLE_SLACK_MS;
  if (!Number.isInteger(slack) || slack < 0 || slack > MAX_IDLE_SLACK_MS) throw new MachineOptionError('idleSlackMs', `idleSlackMs must be an integer from 0 to ${MAX_IDLE_SLACK_MS}, got ${slack}`);
  if (options.initrd && !options.kernel) throw new MachineOptionError('initrd', 'initrd needs kernel');
  if (options.append !== undefined && !options.kernel) throw new MachineOptionError('append', 'append needs kernel');
  const seabios = ' (Debian: apt-get install seabios)';
  const settings: Record<string, unknown> = {
    bios: readImage(options.bios ?? DEFAULT_BIOS, 'bios', options.bios ? '' : seabios),
    vga_bios: readImage(options.vgaBios ?? DEFAULT_VGA_BIOS, 'vgaBios', options.vgaBios ? '' : seabios),
    memory_size: memoryMb * 1024 * 1024,
    vga_memory_size: vramMb * 1024 * 1024,
    autostart: false,
    disable_speaker: true,
    acpi: options.acpi ?? false,
    wasm_path: createRequire(import.meta.url).resolve('v86/build/v86.wasm'),
  };
  if (options.cdrom) settings.cdrom = readImage(options.cdrom, 'cdrom', '');
  if (options.hda) settings.hda = readImage(options.hda, 'hda', '');
  if (options.fda) settings.fda = readImage(options.fda, 'fda', '');
  if (options.kernel) {
    settings.bzimage = readImage(options.kernel, 'kernel', '');
    if (options.initrd) settings.initrd = readImage(options.initrd, 'initrd', '');
    settings.cmdline = options.append ?? '';
  }
  const { V86 } = (await import('v86')) as unknown as { V86: new (s: Record<string, unknown>) => V86Emulator };
  const emu = new V86(settings);
  await new Promise<void>((resolve) => emu.add_listener('emulator-ready', () => resolve()));
  return new V86Machine(emu, options);
}

export class V86Machine implements Machine {
  readonly name: string;
  readonly io = new PortBus();
  readonly vram: V86Vram;
  readonly tracker: DirtyVramTracker;
  readonly recency: RecencyTracker;
  readonly device: VgaDevice;
  readonly input: InputSink;
  readonly core: V86Core;
  readonly scheduler: IdleScheduler;
  readonly counters = { keys: 0, unmappedKeys: 0, pointerEvents: 0 };
  /**
   * The guest runs on our thread: while it keeps drawing (a console scrolling), refresh at a display's
   * 60 Hz, not every 4 ms. A change after a quiet spell still goes out at once (key latency as before).
   * v86 Linux 'seq 1 2000': ~2,000 -> ~950 updates, 210 -> 130 kB, ~8% less CPU.
   */
  readonly refreshMinIntervalMs = 16;
  #mouse = { x: -1, y: -1, buttons: -1 };
  /** v86's own dirty log, when that is the tracker. */
  #log: V86DirtyTracker | null = null;
  /** v86 does not tell us the guest's LEDs: letters keep their key as sent (Caps Lock unknown). */
  readonly #keys = new KeyTranslator(() => null);
  #stopped = false;

  constructor(readonly emulator: V86Emulator, readonly options: V86MachineOptions) {
    this.core = checkV86Internals(emulator);
    const cpu = this.core.cpu;
    const image = options.cdrom ?? options.hda ?? options.fda ?? options.kernel;
    this.name = image ? `v86: ${image.split('/').pop()}` : 'v86';
    const vga = cpu.devices.vga;
    this.vram = new V86Vram(cpu, vga.svga_memory.byteOffset, vga.vga_memory_size);
    // hw: the host's page tables over the same VRAM (they see the guest's stores and our device's alike)
    const hw = options.tracking === 'hw' ? openHwTracker(() => this.vram.vram, { idleDropMs: options.idleDropMs, slices: true, notice: options.notice }) : null;
    if (options.tracking === 'scan') {
      this.tracker = new ScanTracker(this.vram);
    } else if (hw && 'tracker' in hw) {
      this.tracker = hw.tracker;
    } else {
      if (hw) (options.notice ?? stderrLine)(`vramvnc: --tracking hw unavailable (${hw.reason}); using v86's dirty log (dirty)`);
      const t = new V86DirtyTracker(
        v86DirtyLog(cpu),
        vga.vga_memory_size,
        { idleDropMs: options.tracking === 'dirty-nodrop' ? null : options.idleDropMs, droppedCheckMs: options.droppedCheckMs },
      );
      this.vram.onDeviceWrite = (off, len) => t.noteDeviceWrite(off, len);
      this.#log = t;
      this.tracker = t;
    }
    this.recency = new RecencyTracker(this.tracker, this.vram.vramSize >>> 12);
    this.device = new VgaDevice(this.vram, this.io, this.recency);
    bridgePorts(this.io, cpu, VGA_PORTS);
    this.scheduler = new IdleScheduler(this.core, {
      // the run slices are when the guest can have written: the tracker looks after them
      afterSlice: () => this.tracker.afterGuestRun?.(),
      slackMs: options.idleSlackMs ?? DEFAULT_IDLE_SLACK_MS,
      // nothing drawn for the tracker's idle period (it dropped): the guest's timers can wait longer
      screenStill: () => this.tracker.state === 'dropped',
    });
    this.input = {
      keyEvent: (down, keysym, keycode) => this.#key(down, keysym, keycode),
      pointerEvent: (mask, x, y) => this.#pointer(mask, x, y),
      cutText: () => {},
    };
  }

  #key(down: boolean, keysym: number, keycode?: number): void {
    this.counters.keys++;
    this.#log?.expectStores();
    this.scheduler.activity();
    const s = this.#keys.translate(down, keysym, keycode);
    if (!s) {
      this.counters.unmappedKeys++;
      return;
    }
    const bytes: number[] = [];
    for (const [k, d] of s.before) bytes.push(...set1Bytes(k, d));
    bytes.push(...set1Bytes(s.key, s.down));
    for (const [k, d] of s.after) bytes.push(...set1Bytes(k, d));
    this.emulator.keyboard_send_scancodes(bytes);
  }

  /** RFB pointer positions → relative PS/2 motion (as QEMU does for a relative mouse) and button state. */
  #pointer(mask: number, x: number, y: number): void {
    this.counters.pointerEvents++;
    this.#log?.expectStores();
    this.scheduler.activity();
    const m = this.#mouse;
    if (m.x >= 0 && (x !== m.x || y !== m.y)) this.emulator.bus.send('mouse-delta', [x - m.x, m.y - y]);
    m.x = x;
    m.y = y;
    if (mask !== m.buttons) {
      m.buttons = mask;
      this.emulator.bus.send('mouse-click', [(mask & 1) !== 0, (mask & 2) !== 0, (mask & 4) !== 0]);
    }
    const wheel = (mask & 8 ? -1 : 0) + (mask & 16 ? 1 : 0);
    if (wheel) this.emulator.bus.send('mouse-wheel', [wheel, 0]);
  }

  async start(): Promise<void> {
    await this.emulator.run();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    // v86 stops at the start of its next slice: run one now rather than after the guest's timer
    const destroyed = this.emulator.destroy();
    this.core.next_tick(0);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([destroyed, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    this.scheduler.stop();
    this.tracker.close?.();
  }

  stats(): object {
    const t = this.#log ? { harvests: this.#log.harvests } : {};
    return { v86: { ...this.counters, halted: this.core.cpu.in_hlt[0] === 1, scheduler: { ...this.scheduler.counters } as SchedulerCounters, ...t } };
  }
}
