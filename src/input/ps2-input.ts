// Viewer input → the guest's PS/2 devices: KeyEvent keysyms and QEMU Extended Key Event keycodes
// become key presses of a set-2 keyboard (set 1 as the guest reads it through the i8042), PointerEvent positions become relative PS/2 mouse packets (as QEMU's
// ui/vnc.c does for a relative mouse: the delta from the last position).
import type { InputSink } from '../rfb/input.js';
import type { I8042 } from './i8042.js';
import { DEFAULT_KEY_QUEUE_EVENTS, KeyQueue, type KeyQueueCounters } from './key-queue.js';
import { KeyTranslator } from './key-translator.js';

export interface Ps2InputCounters {
  keys: number;
  unmappedKeys: number;
  packets: number;
  /** Key presses that had Shift pressed (or released) around them to type their keysym's character. */
  shiftFixed: number;
  keyQueue: KeyQueueCounters;
}

export interface Ps2InputOptions {
  /** Key events held for the guest beyond the controller's buffer. */
  maxQueuedKeys?: number;
  log?: (line: string) => void;
}

const CAPS_LOCK_LED = 4;

/** One 3-byte PS/2 packet: buttons (bit 0 left, 1 right, 2 middle, 3 always 1, 4/5 sign), dx, dy (up positive). */
export function mousePacket(buttons: number, dx: number, dy: number): number[] {
  let b0 = 0x08 | (buttons & 7);
  if (dx < 0) b0 |= 0x10;
  if (dy < 0) b0 |= 0x20;
  return [b0, dx & 0xff, dy & 0xff];
}

/** RFB button mask (bit 0 left, 1 middle, 2 right) → PS/2 (bit 0 left, 1 right, 2 middle). */
export function ps2Buttons(mask: number): number {
  return (mask & 1) | ((mask & 4) >> 1) | ((mask & 2) << 1);
}

export class Ps2Input implements InputSink {
  readonly counters: Ps2InputCounters;
  readonly keys: KeyQueue;
  /** Where the guest's pointer is, as far as the mouse knows (the guest starts it at 0,0 on enable). */
  x = 0;
  y = 0;
  #buttons = 0;
  #clipboard: ((text: string) => void) | null = null;
  readonly #translator: KeyTranslator;

  constructor(readonly kbc: I8042, options: Ps2InputOptions = {}) {
    this.keys = new KeyQueue(kbc, options.maxQueuedKeys ?? DEFAULT_KEY_QUEUE_EVENTS, options.log);
    this.counters = { keys: 0, unmappedKeys: 0, packets: 0, shiftFixed: 0, keyQueue: this.keys.counters };
    this.#translator = new KeyTranslator(() => (kbc.leds & CAPS_LOCK_LED) !== 0);
    kbc.onAuxReset = () => {
      this.x = 0;
      this.y = 0;
    };
  }

  /** Where ClientCutText goes (the guest's clipboard). */
  onCutText(cb: (text: string) => void): void {
    this.#clipboard = cb;
  }

  keyEvent(down: boolean, keysym: number, keycode?: number): void {
    this.counters.keys++;
    const s = this.#translator.translate(down, keysym, keycode);
    if (!s) {
      this.counters.unmappedKeys++;
      return;
    }
    if (s.shiftFixed) this.counters.shiftFixed++;
    this.keys.push(s.key, s.down, s.before, s.after);
  }

  pointerEvent(buttonMask: number, x: number, y: number): void {
    const buttons = ps2Buttons(buttonMask);
    let dx = x - this.x;
    let dy = y - this.y;
    if (dx === 0 && dy === 0 && buttons === this.#buttons) return;
    if (!this.kbc.auxReporting) {
      // nobody listens: keep the reference so that enabling later starts from a known place
      return;
    }
    this.x = x;
    this.y = y;
    this.#buttons = buttons;
    // a packet carries -256..255 per axis; split long moves
    do {
      const sx = Math.max(-255, Math.min(255, dx));
      const sy = Math.max(-255, Math.min(255, dy));
      this.kbc.auxSend(mousePacket(buttons, sx, -sy));
      this.counters.packets++;
      dx -= sx;
      dy -= sy;
    } while (dx !== 0 || dy !== 0);
  }

  cutText(text: string): void {
    this.#clipboard?.(text);
  }
}
