// The guest's input devices as viewers reach them; for now a bounded log that guests may read.
import type { InputSink } from '../rfb/input.js';

export type InputEvent =
  | { kind: 'key'; down: boolean; keysym: number; keycode?: number }
  | { kind: 'pointer'; buttonMask: number; x: number; y: number }
  | { kind: 'cut'; text: string };

export class GuestInput implements InputSink {
  readonly events: InputEvent[] = [];
  counters = { keys: 0, pointer: 0, cutText: 0 };
  clipboard = '';
  #listeners: ((e: InputEvent) => void)[] = [];
  /** Characters of cut text held in `events` (a client may send many large ones). */
  #cutChars = 0;

  constructor(readonly maxQueued = 1024, readonly maxQueuedCutText = 2 * 1024 * 1024) {}

  onEvent(cb: (e: InputEvent) => void): void {
    this.#listeners.push(cb);
  }

  #push(e: InputEvent): void {
    if (e.kind === 'cut') this.#cutChars += e.text.length;
    this.events.push(e);
    while (this.events.length > this.maxQueued || (this.#cutChars > this.maxQueuedCutText && this.events.length > 1)) {
      const old = this.events.shift()!;
      if (old.kind === 'cut') this.#cutChars -= old.text.length;
    }
    for (const l of this.#listeners) l(e);
  }

  keyEvent(down: boolean, keysym: number, keycode?: number): void {
    this.counters.keys++;
    this.#push(keycode === undefined ? { kind: 'key', down, keysym } : { kind: 'key', down, keysym, keycode });
  }

  pointerEvent(buttonMask: number, x: number, y: number): void {
    this.counters.pointer++;
    this.#push({ kind: 'pointer', buttonMask, x, y });
  }

  #guestClipboard: ((text: string) => void)[] = [];

  /** The guest put text on its clipboard: viewers get it as ServerCutText. */
  setGuestClipboard(text: string): void {
    this.clipboard = text;
    for (const l of this.#guestClipboard) l(text);
  }

  onGuestClipboard(cb: (text: string) => void): void {
    this.#guestClipboard.push(cb);
  }

  cutText(text: string): void {
    this.counters.cutText++;
    this.clipboard = text;
    this.#push({ kind: 'cut', text });
  }
}
