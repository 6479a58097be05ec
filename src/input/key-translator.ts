// A viewer's key event as the keys a PC keyboard presses: the keycode (QEMU Extended Key Event) or
// keysym → a set-1 key, with Shift pressed or released around it when the keysym's character needs
// that and the Shift keys the guest last saw say otherwise (QEMU's keysym-to-scancode path does the
// same). Shared by every machine: the scripted one queues the strokes for its i8042, v86 sends them to
// its own controller.
import { keysymNeedsShift, keysymToSet1, qnumToSet1, type Set1Key } from './scancodes.js';

/** One key press or release, with the Shift changes to make before and undo after it. */
export interface KeyStroke {
  key: Set1Key;
  down: boolean;
  before: [Set1Key, boolean][];
  after: [Set1Key, boolean][];
  /** Whether Shift was pressed or released around the key. */
  shiftFixed: boolean;
}

const SHIFT_L: Set1Key = { code: 0x2a, extended: false };
const SHIFT_R: Set1Key = { code: 0x36, extended: false };
const isShift = (k: Set1Key) => !k.extended && (k.code === SHIFT_L.code || k.code === SHIFT_R.code);
const isLetter = (keysym: number) => (keysym >= 0x41 && keysym <= 0x5a) || (keysym >= 0x61 && keysym <= 0x7a);

export class KeyTranslator {
  /** Shift keys down as the guest's keyboard has sent them. */
  #shifts: Set1Key[] = [];

  /** capsLock: the guest's Caps Lock LED, or null when the machine cannot tell (letters are then left alone). */
  constructor(readonly capsLock: () => boolean | null) {}

  /** The stroke for one KeyEvent, or null when the key has no set-1 code. */
  translate(down: boolean, keysym: number, keycode?: number): KeyStroke | null {
    const byCode = keycode !== undefined ? qnumToSet1(keycode) : null;
    const sym = byCode === null ? null : keysymToSet1(keysym);
    const key = byCode ?? keysymToSet1(keysym);
    if (!key) return null;
    const plain = { key, down, before: [], after: [], shiftFixed: false };
    if (isShift(key)) {
      this.#shifts = this.#shifts.filter((k) => k.code !== key.code);
      if (down) this.#shifts.push(key);
      return plain;
    }
    // the keysym's own key (looked up once): the fix-up only applies when the keycode is that key
    const own = byCode === null ? key : sym;
    if (!down || !own || own.code !== key.code || own.extended !== key.extended) return plain;
    const caps = this.capsLock();
    const want = caps === null && isLetter(keysym) ? null : keysymNeedsShift(keysym, caps ?? false);
    if (want === true && this.#shifts.length === 0) return { key, down, before: [[SHIFT_L, true]], after: [[SHIFT_L, false]], shiftFixed: true };
    if (want === false && this.#shifts.length > 0) {
      return {
        key,
        down,
        before: this.#shifts.map((k) => [k, false] as [Set1Key, boolean]),
        after: this.#shifts.map((k) => [k, true] as [Set1Key, boolean]),
        shiftFixed: true,
      };
    }
    return plain;
  }
}
