// The i8042 keyboard controller at ports 0x60 (data) and 0x64 (status/command), with a PS/2
// keyboard (it sends scancode set 2; the controller's XT translation, on by default, hands the
// guest set 1) and a PS/2 mouse on its aux port. Modelled on the IBM PC AT controller as QEMU's hw/input/pckbd.c and ps2.c emulate it.
import type { PortBus } from '../hypervisor/io.js';
import { translateSet2 } from './scancodes.js';

export const I8042_DATA_PORT = 0x60;
export const I8042_STATUS_PORT = 0x64; // read: status; write: controller command

/** Status register bits (read from 0x64). */
export const Status = {
  OutputFull: 0x01, // a byte waits in 0x60
  InputFull: 0x02, // never set: we take writes at once
  SystemFlag: 0x04, // set by the self-test
  Command: 0x08, // the last write went to 0x64
  Unlocked: 0x10, // keyboard not inhibited by the keylock
  AuxData: 0x20, // the byte in 0x60 is from the mouse
} as const;

/** Controller command byte ("mode") bits. */
export const Mode = {
  KbdInt: 0x01, // IRQ 1 when a keyboard byte arrives
  AuxInt: 0x02, // IRQ 12 when a mouse byte arrives
  System: 0x04,
  DisableKbd: 0x10,
  DisableAux: 0x20,
  Translate: 0x40, // XT translation: the guest reads set 1
} as const;

const DEFAULT_MODE = Mode.KbdInt | Mode.System | Mode.Translate; // QEMU's reset value
const ACK = 0xfa;
const KBD_QUEUE = 64; // bytes (the 8042's keyboard has a 16-key buffer; be a little generous)
const AUX_QUEUE = 3 * 64; // 64 mouse packets

export interface I8042Counters {
  kbdBytes: number;
  auxBytes: number;
  dropped: number;
  reads: number;
}

/** A byte on its way to the guest, and which device it comes from. */
interface Pending {
  value: number;
  aux: boolean;
}

export class I8042 {
  mode = DEFAULT_MODE;
  readonly counters: I8042Counters = { kbdBytes: 0, auxBytes: 0, dropped: 0, reads: 0 };
  /** Called with 1 (keyboard) or 12 (mouse) when a byte reaches the output buffer and its IRQ is on. */
  onIrq: ((line: 1 | 12) => void) | null = null;
  /** Called when the guest sets the keyboard's LEDs (0xED): bit 0 Scroll, 1 Num, 2 Caps Lock. */
  onLeds: ((leds: number) => void) | null = null;
  /** Called after the guest read a byte (room may have opened in the keyboard's buffer). */
  onKeyboardDrain: (() => void) | null = null;
  /** Called on command 0xFE (pulse reset line), e.g. a guest's reboot. */
  onReset: (() => void) | null = null;
  /** Called when the guest resets the mouse or enables its reporting (the pointer model restarts at 0,0). */
  onAuxReset: (() => void) | null = null;
  /** The keyboard's scanning is on (0xF4/0xF5). */
  kbdEnabled = true;
  /** The mouse's data reporting is on (0xF4/0xF5; off after reset, as on real mice). */
  auxReporting = false;
  #status = Status.Unlocked;
  #out: Pending | null = null;
  #lastRead = 0;
  #kbdQueue: number[] = [];
  #auxQueue: number[] = [];
  #ctrlQueue: Pending[] = []; // replies to controller and device commands come first
  #pendingCommand: number | null = null; // a controller command waiting for its data byte
  #kbdCommand: number | null = null; // a keyboard command waiting for its argument
  #auxCommand: number | null = null;
  #leds = 0;
  #translate = { release: false };

  /** Claim ports 0x60 and 0x64. */
  attach(io: PortBus): void {
    io.register([I8042_DATA_PORT, I8042_STATUS_PORT], {
      read: (port) => (port === I8042_DATA_PORT ? this.readData() : this.readStatus()),
      write: (port, _size, v) => (port === I8042_DATA_PORT ? this.writeData(v & 0xff) : this.writeCommand(v & 0xff)),
    });
  }

  /** `in al, 0x64` */
  readStatus(): number {
    return this.#status | (this.#out ? Status.OutputFull : 0) | (this.#out?.aux ? Status.AuxData : 0);
  }

  /** `in al, 0x60`: take the byte in the output buffer; the next one moves in. Empty: the last byte again. */
  readData(): number {
    this.counters.reads++;
    const b = this.#out;
    if (!b) return this.#lastRead;
    this.#out = null;
    this.#lastRead = b.value;
    this.#load();
    this.onKeyboardDrain?.();
    return b.value;
  }

  /** `out 0x64, al`: a controller command. */
  writeCommand(cmd: number): void {
    this.#status |= Status.Command;
    this.#pendingCommand = null;
    switch (cmd) {
      case 0x20: // read command byte
        this.#reply(this.mode);
        return;
      case 0x60: // write command byte (data follows at 0x60)
      case 0xd1: // write output port
      case 0xd2: // write keyboard output buffer
      case 0xd3: // write mouse output buffer
      case 0xd4: // write to the mouse
        this.#pendingCommand = cmd;
        return;
      case 0xa7:
        this.mode |= Mode.DisableAux;
        return;
      case 0xa8:
        this.mode &= ~Mode.DisableAux;
        this.#load();
        return;
      case 0xa9: // test mouse port: OK
      case 0xab: // test keyboard port: OK
        this.#reply(0x00);
        return;
      case 0xaa: // self-test
        this.#status |= Status.SystemFlag;
        this.#reply(0x55);
        return;
      case 0xad:
        this.mode |= Mode.DisableKbd;
        return;
      case 0xae:
        this.mode &= ~Mode.DisableKbd;
        this.#load();
        return;
      case 0xc0: // read input port
        this.#reply(0x80);
        return;
      case 0xd0: // read output port: A20 on, no reset
        this.#reply(0x03);
        return;
      case 0xfe: // pulse the reset line
        this.onReset?.();
        return;
      default:
        // 0xF0-0xFF pulse output lines; others are unknown: ignore, as the 8042 does
        return;
    }
  }

  /** `out 0x60, al`: a command's data byte, or a byte for the keyboard. */
  writeData(v: number): void {
    this.#status &= ~Status.Command;
    const pending = this.#pendingCommand;
    this.#pendingCommand = null;
    switch (pending) {
      case 0x60:
        this.mode = v;
        this.#load();
        return;
      case 0xd1:
        if ((v & 0x01) === 0) this.onReset?.();
        return;
      case 0xd2:
        this.#ctrlQueue.push({ value: v, aux: false });
        this.#load();
        return;
      case 0xd3:
        this.#ctrlQueue.push({ value: v, aux: true });
        this.#load();
        return;
      case 0xd4:
        this.#auxWrite(v);
        return;
      default:
        this.#kbdWrite(v);
    }
  }

  /**
   * The keyboard sends bytes (a key's make or break code, scancode set 2). With XT translation on
   * (command byte bit 6, the default) the guest reads them as set 1. Dropped while the keyboard is
   * disabled or its buffer is full.
   */
  keyboardSend(set2: readonly number[]): void {
    if (!this.kbdEnabled) return;
    const bytes = this.mode & Mode.Translate ? translateSet2(set2, this.#translate) : set2;
    if (this.#kbdQueue.length + bytes.length > KBD_QUEUE) {
      this.counters.dropped += bytes.length;
      return;
    }
    this.#kbdQueue.push(...bytes);
    this.counters.kbdBytes += bytes.length;
    this.#load();
  }

  /** Bytes the keyboard's buffer can still take. */
  get keyboardRoom(): number {
    return KBD_QUEUE - this.#kbdQueue.length;
  }

  /** The mouse sends one 3-byte packet. Dropped while reporting is off or its buffer is full. */
  auxSend(packet: readonly number[]): void {
    if (!this.auxReporting) return;
    if (this.#auxQueue.length + packet.length > AUX_QUEUE) {
      this.counters.dropped += packet.length;
      return;
    }
    this.#auxQueue.push(...packet);
    this.counters.auxBytes += packet.length;
    this.#load();
  }

  /** Bytes waiting behind the output buffer (for tests and stats). */
  get queued(): number {
    return this.#ctrlQueue.length + this.#kbdQueue.length + this.#auxQueue.length + (this.#out ? 1 : 0);
  }

  /** Keyboard LEDs as last set with 0xED (bit 0 Scroll, 1 Num, 2 Caps). */
  get leds(): number {
    return this.#leds;
  }

  #reply(v: number, aux = false): void {
    this.#ctrlQueue.push({ value: v, aux });
    this.#load();
  }

  /** Move the next byte into the empty output buffer and raise its IRQ. */
  #load(): void {
    if (this.#out) return;
    let next: Pending | undefined = this.#ctrlQueue.shift();
    if (!next && this.#kbdQueue.length && !(this.mode & Mode.DisableKbd)) next = { value: this.#kbdQueue.shift()!, aux: false };
    if (!next && this.#auxQueue.length && !(this.mode & Mode.DisableAux)) next = { value: this.#auxQueue.shift()!, aux: true };
    if (!next) return;
    this.#out = next;
    if (next.aux ? this.mode & Mode.AuxInt : this.mode & Mode.KbdInt) this.onIrq?.(next.aux ? 12 : 1);
  }

  /** A byte for the keyboard (ps2_write_keyboard). */
  #kbdWrite(v: number): void {
    const arg = this.#kbdCommand;
    if (arg !== null) {
      this.#kbdCommand = null;
      if (arg === 0xed) {
        this.#leds = v & 7;
        this.onLeds?.(this.#leds);
      }
      // 0xF0 (scancode set) with 0 would report the set: we are set 2, translated to 1
      if (arg === 0xf0 && v === 0) {
        this.#reply(ACK);
        this.#reply(0x41); // set 2 as seen through translation
        return;
      }
      this.#reply(ACK);
      return;
    }
    switch (v) {
      case 0xed: // set LEDs
      case 0xf0: // select scancode set
      case 0xf3: // typematic rate
        this.#kbdCommand = v;
        this.#reply(ACK);
        return;
      case 0xee: // echo
        this.#reply(0xee);
        return;
      case 0xf2: // identify: MF2 keyboard, translated
        this.#reply(ACK);
        this.#reply(0xab);
        this.#reply(0x41);
        return;
      case 0xf4:
        this.kbdEnabled = true;
        this.#reply(ACK);
        return;
      case 0xf5: // disable and set defaults
        this.kbdEnabled = false;
        this.#kbdQueue.length = 0;
        this.#reply(ACK);
        return;
      case 0xf6:
        this.#reply(ACK);
        return;
      case 0xff: // reset: ACK, then self-test passed
        this.#kbdQueue.length = 0;
        this.kbdEnabled = true;
        this.#reply(ACK);
        this.#reply(0xaa);
        return;
      default:
        this.#reply(ACK);
    }
  }

  /** A byte for the mouse, after controller command 0xD4 (ps2_write_mouse). */
  #auxWrite(v: number): void {
    const arg = this.#auxCommand;
    if (arg !== null) {
      this.#auxCommand = null;
      this.#reply(ACK, true);
      return;
    }
    switch (v) {
      case 0xe8: // set resolution
      case 0xf3: // set sample rate
        this.#auxCommand = v;
        this.#reply(ACK, true);
        return;
      case 0xe9: // status request: ACK, status, resolution, rate
        this.#reply(ACK, true);
        this.#reply(this.auxReporting ? 0x20 : 0x00, true);
        this.#reply(0x02, true);
        this.#reply(100, true);
        return;
      case 0xf2: // get device ID: standard PS/2 mouse
        this.#reply(ACK, true);
        this.#reply(0x00, true);
        return;
      case 0xf4:
        this.auxReporting = true;
        this.onAuxReset?.();
        this.#reply(ACK, true);
        return;
      case 0xf5:
        this.auxReporting = false;
        this.#auxQueue.length = 0;
        this.#reply(ACK, true);
        return;
      case 0xf6: // set defaults
        this.auxReporting = false;
        this.#auxQueue.length = 0;
        this.#reply(ACK, true);
        return;
      case 0xff: // reset: ACK, self-test passed, ID
        this.auxReporting = false;
        this.#auxQueue.length = 0;
        this.onAuxReset?.();
        this.#reply(ACK, true);
        this.#reply(0xaa, true);
        this.#reply(0x00, true);
        return;
      default: // 0xE6/0xE7 scaling, 0xEA stream mode, 0xF0 remote mode ...
        this.#reply(ACK, true);
    }
  }
}
