// Keysym → PC scancode set 1 (what an i8042 with XT translation on hands the guest), QEMU's
// "qnum" keycodes, and a set-1 → character decoder for guest programs.
// Codes: IBM PC AT Technical Reference, scan code set 1; keysyms: X11 keysymdef.h.

/** A set-1 key: make code 0x01..0x7f, `extended` when it is sent after an 0xE0 prefix. */
export interface Set1Key {
  code: number;
  extended: boolean;
}

/** Set-1 make codes of the main block, by the unshifted character the key types (US layout). */
const MAIN_KEYS: readonly [string, number][] = [
  ['1', 0x02], ['2', 0x03], ['3', 0x04], ['4', 0x05], ['5', 0x06], ['6', 0x07], ['7', 0x08], ['8', 0x09],
  ['9', 0x0a], ['0', 0x0b], ['-', 0x0c], ['=', 0x0d], ['q', 0x10], ['w', 0x11], ['e', 0x12], ['r', 0x13],
  ['t', 0x14], ['y', 0x15], ['u', 0x16], ['i', 0x17], ['o', 0x18], ['p', 0x19], ['[', 0x1a], [']', 0x1b],
  ['a', 0x1e], ['s', 0x1f], ['d', 0x20], ['f', 0x21], ['g', 0x22], ['h', 0x23], ['j', 0x24], ['k', 0x25],
  ['l', 0x26], [';', 0x27], ["'", 0x28], ['`', 0x29], ['\\', 0x2b], ['z', 0x2c], ['x', 0x2d], ['c', 0x2e],
  ['v', 0x2f], ['b', 0x30], ['n', 0x31], ['m', 0x32], [',', 0x33], ['.', 0x34], ['/', 0x35], [' ', 0x39],
];

/** The character each main-block key types with Shift held, in the order of MAIN_KEYS. */
const SHIFTED = '!@#$%^&*()_+QWERTYUIOP{}ASDFGHJKL:"~|ZXCVBNM<>? ';

/** Keysyms of function and modifier keys (keysymdef.h XK_*) → set-1 key. */
const SPECIAL: readonly [number, number, boolean][] = [
  [0xff08, 0x0e, false], // BackSpace
  [0xff09, 0x0f, false], // Tab
  [0xfe20, 0x0f, false], // ISO_Left_Tab (Shift-Tab)
  [0xff0d, 0x1c, false], // Return
  [0xff1b, 0x01, false], // Escape
  [0xffe1, 0x2a, false], // Shift_L
  [0xffe2, 0x36, false], // Shift_R
  [0xffe3, 0x1d, false], // Control_L
  [0xffe4, 0x1d, true], // Control_R
  [0xffe9, 0x38, false], // Alt_L
  [0xffe7, 0x38, false], // Meta_L (some viewers send it for Alt)
  [0xffea, 0x38, true], // Alt_R
  [0xffe8, 0x38, true], // Meta_R
  [0xfe03, 0x38, true], // ISO_Level3_Shift (AltGr)
  [0xffeb, 0x5b, true], // Super_L
  [0xffec, 0x5c, true], // Super_R
  [0xff67, 0x5d, true], // Menu
  [0xffe5, 0x3a, false], // Caps_Lock
  [0xff7f, 0x45, false], // Num_Lock
  [0xff14, 0x46, false], // Scroll_Lock
  [0xff50, 0x47, true], // Home
  [0xff52, 0x48, true], // Up
  [0xff55, 0x49, true], // Page_Up
  [0xff51, 0x4b, true], // Left
  [0xff53, 0x4d, true], // Right
  [0xff57, 0x4f, true], // End
  [0xff54, 0x50, true], // Down
  [0xff56, 0x51, true], // Page_Down
  [0xff63, 0x52, true], // Insert
  [0xffff, 0x53, true], // Delete
  [0xff8d, 0x1c, true], // KP_Enter
  [0xffaf, 0x35, true], // KP_Divide
  [0xffaa, 0x37, false], // KP_Multiply
  [0xffad, 0x4a, false], // KP_Subtract
  [0xffab, 0x4e, false], // KP_Add
  [0xffae, 0x53, false], // KP_Decimal
  [0xff9f, 0x53, false], // KP_Delete
  [0xffb7, 0x47, false], [0xffb8, 0x48, false], [0xffb9, 0x49, false], // KP_7 KP_8 KP_9
  [0xffb4, 0x4b, false], [0xffb5, 0x4c, false], [0xffb6, 0x4d, false], // KP_4 KP_5 KP_6
  [0xffb1, 0x4f, false], [0xffb2, 0x50, false], [0xffb3, 0x51, false], // KP_1 KP_2 KP_3
  [0xffb0, 0x52, false], // KP_0
  [0xff95, 0x47, false], [0xff97, 0x48, false], [0xff9a, 0x49, false], // KP_Home KP_Up KP_Prior
  [0xff96, 0x4b, false], [0xff9d, 0x4c, false], [0xff98, 0x4d, false], // KP_Left KP_Begin KP_Right
  [0xff9c, 0x4f, false], [0xff99, 0x50, false], [0xff9b, 0x51, false], // KP_End KP_Down KP_Next
  [0xff9e, 0x52, false], // KP_Insert
];

const BY_KEYSYM = new Map<number, Set1Key>();
for (const [ch, code] of MAIN_KEYS) BY_KEYSYM.set(ch.charCodeAt(0), { code, extended: false });
MAIN_KEYS.forEach(([, code], i) => {
  const k = SHIFTED.charCodeAt(i);
  if (!BY_KEYSYM.has(k)) BY_KEYSYM.set(k, { code, extended: false });
});
for (const [sym, code, extended] of SPECIAL) BY_KEYSYM.set(sym, { code, extended });
// F1..F10 = 0x3b..0x44, F11 = 0x57, F12 = 0x58 (keysyms 0xffbe..0xffc9)
for (let i = 0; i < 12; i++) BY_KEYSYM.set(0xffbe + i, { code: i < 10 ? 0x3b + i : 0x57 + (i - 10), extended: false });

/**
 * The key that produces a keysym, shift-insensitively as QEMU's keysym2scancode does ('A' and '!'
 * are the keys of 'a' and '1'; the viewer sends Shift itself). Null for keysyms without a key.
 */
export function keysymToSet1(keysym: number): Set1Key | null {
  return BY_KEYSYM.get(keysym) ?? null;
}

const UNSHIFTED_CHARS = new Set(MAIN_KEYS.map(([ch]) => ch.charCodeAt(0)));
const SHIFTED_CHARS = new Set([...SHIFTED].map((ch) => ch.charCodeAt(0)));

/**
 * Whether the character of a keysym needs Shift on a US keyboard (true: 'A', '!'), needs it up
 * (false: 'a', '1'), or does not care (null: space, keys that type no character). Letters follow
 * Caps Lock: with it on, 'a' needs Shift and 'A' does not.
 */
export function keysymNeedsShift(keysym: number, capsLock = false): boolean | null {
  const shifted = SHIFTED_CHARS.has(keysym);
  const plain = UNSHIFTED_CHARS.has(keysym);
  if (shifted === plain) return null;
  const letter = (keysym >= 0x41 && keysym <= 0x5a) || (keysym >= 0x61 && keysym <= 0x7a);
  return letter && capsLock ? !shifted : shifted;
}

/**
 * A QEMU Extended Key Event keycode ("qnum": XT scancode, 0xE0-prefixed keys as 0x80 | code, as
 * noVNC's getRFBkeycode sends them) as a set-1 key. Null for 0 (no keycode) and codes out of range.
 */
export function qnumToSet1(keycode: number): Set1Key | null {
  if (keycode <= 0 || keycode > 0xff) return null;
  return { code: keycode & 0x7f, extended: (keycode & 0x80) !== 0 };
}

/** The bytes a key sends on press (make) or release (break = make | 0x80). */
export function set1Bytes(key: Set1Key, down: boolean): number[] {
  const b = down ? key.code : key.code | 0x80;
  return key.extended ? [0xe0, b] : [b];
}

/**
 * Set-1 make code → set-2 make code: what the keyboard itself sends. The same set-2 code follows an
 * 0xE0 prefix for the extended keys (grey arrows = keypad positions, right Ctrl/Alt, keypad / and Enter).
 */
const SET1_TO_SET2: Record<number, number> = {
  0x01: 0x76, 0x02: 0x16, 0x03: 0x1e, 0x04: 0x26, 0x05: 0x25, 0x06: 0x2e, 0x07: 0x36, 0x08: 0x3d,
  0x09: 0x3e, 0x0a: 0x46, 0x0b: 0x45, 0x0c: 0x4e, 0x0d: 0x55, 0x0e: 0x66, 0x0f: 0x0d, 0x10: 0x15,
  0x11: 0x1d, 0x12: 0x24, 0x13: 0x2d, 0x14: 0x2c, 0x15: 0x35, 0x16: 0x3c, 0x17: 0x43, 0x18: 0x44,
  0x19: 0x4d, 0x1a: 0x54, 0x1b: 0x5b, 0x1c: 0x5a, 0x1d: 0x14, 0x1e: 0x1c, 0x1f: 0x1b, 0x20: 0x23,
  0x21: 0x2b, 0x22: 0x34, 0x23: 0x33, 0x24: 0x3b, 0x25: 0x42, 0x26: 0x4b, 0x27: 0x4c, 0x28: 0x52,
  0x29: 0x0e, 0x2a: 0x12, 0x2b: 0x5d, 0x2c: 0x1a, 0x2d: 0x22, 0x2e: 0x21, 0x2f: 0x2a, 0x30: 0x32,
  0x31: 0x31, 0x32: 0x3a, 0x33: 0x41, 0x34: 0x49, 0x35: 0x4a, 0x36: 0x59, 0x37: 0x7c, 0x38: 0x11,
  0x39: 0x29, 0x3a: 0x58, 0x3b: 0x05, 0x3c: 0x06, 0x3d: 0x04, 0x3e: 0x0c, 0x3f: 0x03, 0x40: 0x0b,
  0x41: 0x83, 0x42: 0x0a, 0x43: 0x01, 0x44: 0x09, 0x45: 0x77, 0x46: 0x7e, 0x47: 0x6c, 0x48: 0x75,
  0x49: 0x7d, 0x4a: 0x7b, 0x4b: 0x6b, 0x4c: 0x73, 0x4d: 0x74, 0x4e: 0x79, 0x4f: 0x69, 0x50: 0x72,
  0x51: 0x7a, 0x52: 0x70, 0x53: 0x71, 0x57: 0x78, 0x58: 0x07,
  0x5b: 0x1f, 0x5c: 0x27, 0x5d: 0x2f, // Windows keys and Menu (always 0xE0-prefixed)
};
const SET2_TO_SET1 = new Map<number, number>(Object.entries(SET1_TO_SET2).map(([k, v]) => [v, Number(k)]));

/** The bytes the keyboard sends in scancode set 2: make code, or 0xF0 then the code on release. */
export function set2Bytes(key: Set1Key, down: boolean): number[] {
  const code = SET1_TO_SET2[key.code];
  if (code === undefined) return [];
  const body = down ? [code] : [0xf0, code];
  return key.extended ? [0xe0, ...body] : body;
}

/**
 * The i8042's XT translation: set-2 bytes from the keyboard as set-1 bytes for the guest
 * (0xF0 sets bit 7 of the next code; 0xE0 passes through). `state` carries a pending 0xF0.
 */
export function translateSet2(bytes: readonly number[], state: { release: boolean }): number[] {
  const out: number[] = [];
  for (const b of bytes) {
    if (b === 0xf0) {
      state.release = true;
      continue;
    }
    if (b === 0xe0) {
      out.push(b);
      continue;
    }
    const code = SET2_TO_SET1.get(b) ?? 0;
    out.push(state.release ? code | 0x80 : code);
    state.release = false;
  }
  return out;
}

const CHAR_OF = new Map<number, [string, string]>();
MAIN_KEYS.forEach(([ch, code], i) => CHAR_OF.set(code, [ch, SHIFTED[i]!]));

/**
 * A guest's keyboard driver: feed it the bytes read from port 0x60; it tracks Shift, Ctrl and the
 * 0xE0 prefix and returns what each byte means.
 */
export class Set1Decoder {
  shift = false;
  ctrl = false;
  alt = false;
  #e0 = false;

  /** One byte from the keyboard: a key event (with its character, if it types one) or null (prefix). */
  feed(byte: number): { code: number; extended: boolean; down: boolean; char: string | null } | null {
    if (byte === 0xe0) {
      this.#e0 = true;
      return null;
    }
    const extended = this.#e0;
    this.#e0 = false;
    const down = (byte & 0x80) === 0;
    const code = byte & 0x7f;
    if (code === 0x2a || code === 0x36) this.shift = down;
    else if (code === 0x1d) this.ctrl = down;
    else if (code === 0x38) this.alt = down;
    let char: string | null = null;
    if (down && !extended) {
      const pair = CHAR_OF.get(code);
      if (pair) char = this.shift ? pair[1] : pair[0];
      else if (code === 0x1c) char = '\n';
      else if (code === 0x0e) char = '\b';
      else if (code === 0x0f) char = '\t';
    }
    if (down && extended && code === 0x1c) char = '\n'; // keypad Enter
    return { code, extended, down, char };
  }
}
