// Viewer input → the guest's PS/2 devices: KeyEvent keysyms and QEMU Extended Key Event keycodes
// become key presses of a set-2 keyboard (set 1 as the guest reads it through the i8042), PointerEvent positions become relative PS/2 mouse packets (as QEMU's
// ui/vnc.c does for a relative mouse: the delta from the last position).
import type { InputSink } from '../rfb/input.js';
import type { I8042 } from './i8042.js';
import { keysymToSet1, qnumToSet1, set2Bytes } from './scancodes.js';

export interface Ps2InputCounters {
  keys: number;
  unmappedKeys: number;
  packets: number;
}

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
  readonly counters: Ps2InputCounters = { keys: 0, unmappedKeys: 0, packets: 0 };
  /** Where the guest's pointer is, as far as the mouse knows (the guest starts it at 0,0 on enable). */
  x = 0;
  y = 0;
  #buttons = 0;
  #clipboard: ((text: string) => void) | null = null;

  constructor(readonly kbc: I8042) {
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
    const key = (keycode !== undefined ? qnumToSet1(keycode) : null) ?? keysymToSet1(keysym);
    if (!key) {
      this.counters.unmappedKeys++;
      return;
    }
    this.kbc.keyboardSend(set2Bytes(key, down)); // the keyboard speaks set 2; the controller translates
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
