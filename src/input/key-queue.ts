// Key events on their way to the guest's keyboard. A viewer (or `vramvnc type`) sends key events far
// faster than a guest reads them, and the i8042 holds only a few bytes; this queue holds whole key
// events and hands them to the controller as the guest drains it. Bounded: past the bound new
// presses are dropped (with one log line), but a release of a key that went down is always kept,
// so no key, and no modifier, stays stuck.
import type { I8042 } from './i8042.js';
import { set2Bytes, type Set1Key } from './scancodes.js';

/** Key events held for a guest that is not reading (about 3 minutes of fast typing). */
export const DEFAULT_KEY_QUEUE_EVENTS = 16_384;

export interface KeyQueueCounters {
  /** Key events waiting now. */
  waiting: number;
  /** Most key events that ever waited at once. */
  maxWaiting: number;
  /** Presses dropped because the queue was full (their releases are dropped with them). */
  droppedPresses: number;
}

/** The set-2 bytes of one key event (with any keys sent around it). */
type Stroke = number[];

const idOf = (k: Set1Key) => `${k.extended ? 'e0' : ''}${k.code}`;

export class KeyQueue {
  readonly counters: KeyQueueCounters = { waiting: 0, maxWaiting: 0, droppedPresses: 0 };
  #q: Stroke[] = [];
  #head = 0;
  /** Keys whose press was accepted and whose release has not come yet. */
  #down = new Set<string>();
  #full = false;

  constructor(
    readonly kbc: I8042,
    readonly maxEvents = DEFAULT_KEY_QUEUE_EVENTS,
    readonly log: (line: string) => void = () => {},
  ) {
    kbc.onKeyboardDrain = () => this.#pump();
  }

  /**
   * One key event as the keyboard sends it, optionally with other keys around it in the same stroke
   * (a Shift pressed and released around a character that needs it): `around` are [key, down] pairs
   * sent before the key, `after` those sent after it.
   */
  push(key: Set1Key, down: boolean, before: readonly [Set1Key, boolean][] = [], after: readonly [Set1Key, boolean][] = []): void {
    const id = idOf(key);
    const waiting = this.#q.length - this.#head;
    if (down) {
      if (waiting >= this.maxEvents) {
        this.counters.droppedPresses++;
        if (!this.#full) {
          this.#full = true;
          this.log(`keyboard: ${waiting} key events are waiting for the guest to read them; dropping new key presses until it does (releases are kept)`);
        }
        return;
      }
      this.#down.add(id);
    } else {
      // a release beyond the bound only for a key that is down: at most one per key
      if (!this.#down.delete(id) && waiting >= this.maxEvents) return;
    }
    const bytes: number[] = [];
    for (const [k, d] of before) bytes.push(...set2Bytes(k, d));
    bytes.push(...set2Bytes(key, down));
    for (const [k, d] of after) bytes.push(...set2Bytes(k, d));
    if (bytes.length === 0) return;
    this.#q.push(bytes);
    this.#count();
    this.#pump();
  }

  #count(): void {
    const waiting = this.#q.length - this.#head;
    this.counters.waiting = waiting;
    if (waiting > this.counters.maxWaiting) this.counters.maxWaiting = waiting;
    if (this.#full && waiting < this.maxEvents / 2) this.#full = false;
  }

  /** Give the controller as many whole strokes as it has room for. */
  #pump(): void {
    let moved = false;
    while (this.#head < this.#q.length) {
      const s = this.#q[this.#head]!;
      // a keyboard the guest switched off drops what it is sent, as before (nothing piles up here)
      if (this.kbc.kbdEnabled && this.kbc.keyboardRoom < s.length) break;
      this.kbc.keyboardSend(s);
      this.#head++;
      moved = true;
    }
    if (!moved) return;
    if (this.#head > 1024 && this.#head * 2 > this.#q.length) {
      this.#q = this.#q.slice(this.#head);
      this.#head = 0;
    }
    this.#count();
  }
}
