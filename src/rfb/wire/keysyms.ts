// Key names as people write them ('ctrl-alt-delete', 'ret', 'f2', 'shift-tab') → X11 keysyms (RFC 6143 §7.5.4).
// Names follow os-autoinst's send_key where they exist, with common aliases.

/** X11 keysyms of the non-character keys (keysymdef.h). */
const NAMED: Record<string, number> = {
  backspace: 0xff08,
  tab: 0xff09,
  ret: 0xff0d,
  return: 0xff0d,
  enter: 0xff0d,
  kp_enter: 0xff8d,
  pause: 0xff13,
  scrolllock: 0xff14,
  sysrq: 0xff15,
  esc: 0xff1b,
  escape: 0xff1b,
  home: 0xff50,
  left: 0xff51,
  up: 0xff52,
  right: 0xff53,
  down: 0xff54,
  pgup: 0xff55,
  pageup: 0xff55,
  pgdn: 0xff56,
  pagedown: 0xff56,
  end: 0xff57,
  print: 0xff61,
  insert: 0xff63,
  ins: 0xff63,
  menu: 0xff67,
  numlock: 0xff7f,
  shift: 0xffe1,
  shift_l: 0xffe1,
  shift_r: 0xffe2,
  ctrl: 0xffe3,
  control: 0xffe3,
  ctrl_l: 0xffe3,
  ctrl_r: 0xffe4,
  capslock: 0xffe5,
  caps: 0xffe5,
  meta: 0xffe7,
  alt: 0xffe9,
  alt_l: 0xffe9,
  alt_r: 0xffea,
  altgr: 0xfe03,
  super: 0xffeb,
  win: 0xffeb,
  cmd: 0xffeb,
  delete: 0xffff,
  del: 0xffff,
  spc: 0x20,
  space: 0x20,
  minus: 0x2d,
  plus: 0x2b,
  equal: 0x3d,
  comma: 0x2c,
  dot: 0x2e,
  slash: 0x2f,
  backslash: 0x5c,
};
for (let i = 1; i <= 12; i++) NAMED[`f${i}`] = 0xffbe + i - 1;

/** Characters that need Shift on a US keyboard: typeText presses Shift around them, as a person would. */
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ');

export const KEYSYM_SHIFT_L = 0xffe1;

/** The keysym for one character (Latin-1 directly; other Unicode as 0x01000000 + code point). */
export function charKeysym(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (ch === '\n' || ch === '\r') return NAMED.ret!;
  if (ch === '\t') return NAMED.tab!;
  if (ch === '\b') return NAMED.backspace!;
  if (ch === '\x1b') return NAMED.esc!;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) throw new Error(`cannot type control character U+${cp.toString(16).padStart(4, '0')}`);
  return 0x01000000 + cp;
}

export function needsShift(ch: string): boolean {
  return SHIFTED.has(ch);
}

/**
 * The key events that type one character on a US keyboard: [down, keysym] pairs, Shift pressed and
 * released around the character when it needs it. Throws for characters that cannot be typed.
 */
export function charKeyEvents(ch: string): [boolean, number][] {
  const sym = charKeysym(ch);
  const press: [boolean, number][] = [
    [true, sym],
    [false, sym],
  ];
  return needsShift(ch) ? [[true, KEYSYM_SHIFT_L], ...press, [false, KEYSYM_SHIFT_L]] : press;
}

/** One key name → keysym: a name from the table, a single character, or a hex keysym like 0xff0d. */
export function keysymOf(name: string): number {
  const lower = name.toLowerCase();
  const named = NAMED[lower];
  if (named !== undefined) return named;
  if (/^0x[0-9a-f]{1,8}$/i.test(name)) return parseInt(name, 16);
  if ([...name].length === 1) return charKeysym(name);
  throw new Error(`unknown key '${name}' (try ret, esc, tab, f1..f12, up, ctrl, alt, shift, super, delete, a single character, or a 0x keysym)`);
}

/**
 * Parse a combination like 'ctrl-alt-delete' or 'shift-tab' into keysyms, pressed in order and released
 * in reverse. A '-' on its own is the minus key ('ctrl--' is Ctrl+minus).
 */
export function parseKeyCombo(combo: string): number[] {
  if (combo === '-') return [0x2d];
  const parts = combo.endsWith('--') ? [...combo.slice(0, -2).split('-'), '-'] : combo.split('-');
  if (parts.some((p) => p === '')) throw new Error(`bad key combination '${combo}'`);
  return parts.map(keysymOf);
}
