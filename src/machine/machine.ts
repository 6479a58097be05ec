// Who runs the guest: the composition root (app.ts) sees a machine only through this interface.
// The scripted machine runs our TypeScript guest programs on the emulated hypervisor; the v86 machine
// runs real firmware and OSes on v86's x86 CPU. Both give the same VGA device model, a dirty-VRAM
// tracker with Xen's contract, and an input sink for viewers.
import type { DirtyVramTracker, TrackingMode } from '../hypervisor/dirty-log.js';
import type { RecencyTracker } from '../hypervisor/page-recency.js';
import type { InputSink } from '../rfb/input.js';
import type { VgaDevice } from '../vga/vga-device.js';

export interface Machine {
  /** A short description for logs and the desktop name, e.g. "desktop" or "v86: grub.iso". */
  readonly name: string;
  readonly device: VgaDevice;
  /** The tracker as the device queries it (recording page recency for the heat map). */
  readonly recency: RecencyTracker;
  readonly tracker: DirtyVramTracker;
  /** Where viewers' keys, pointer and clipboard go. */
  readonly input: InputSink;
  /** Reprogram the display for a client's SetDesktopSize (ExtendedDesktopSize status: 0 = done). Absent: prohibited. */
  resizeDesktop?(width: number, height: number, screens: number): number;
  /** Text the guest put on its clipboard (sent to viewers as ServerCutText). */
  onGuestClipboard?(cb: (text: string) => void): void;
  /** The guest set its keyboard's LEDs (bit 0 Scroll, 1 Num, 2 Caps Lock), for QEMU LED state viewers. */
  onKeyboardLeds?(cb: (leds: number) => void): void;
  /**
   * While changes keep coming, refresh the display at most this often (ms; default 4). A guest that
   * runs on the server's own thread gets the time a refresh would have taken.
   */
  readonly refreshMinIntervalMs?: number;
  /** Boot the guest (resolves once the first picture can be taken). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Machine-specific counters for /stats. */
  stats(): object;
}

/** What every machine is given. */
export interface MachineCommon {
  tracking: TrackingMode;
  idleDropMs: number;
  vramMb: number;
  log: (line: string) => void;
  /** One-line notices such as a tracking fallback (default: stderr). */
  notice?: (line: string) => void;
}

/** Library errors name options; the CLI maps them to its flags. */
export class MachineOptionError extends Error {
  readonly code = 'MACHINE_BAD_OPTION';
  constructor(readonly option: string, message: string) {
    super(message);
  }
}

export function checkVramMb(vramMb: number, max = 256): void {
  if (!Number.isInteger(vramMb) || vramMb < 1 || vramMb > max) {
    throw new MachineOptionError('vramMb', `vramMb must be an integer from 1 to ${max}, got ${vramMb}`);
  }
}
