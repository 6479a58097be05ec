// Key names → X11 keysyms.
import { describe, expect, it } from 'vitest';
import { charKeysym, keysymOf, needsShift, parseKeyCombo } from '../../src/rfb/wire/keysyms.js';

describe('key names', () => {
  it.each([
    ['ctrl-alt-delete', [0xffe3, 0xffe9, 0xffff]],
    ['ret', [0xff0d]],
    ['esc', [0xff1b]],
    ['alt-f4', [0xffe9, 0xffc1]],
    ['f1', [0xffbe]],
    ['f12', [0xffc9]],
    ['shift-tab', [0xffe1, 0xff09]],
    ['super', [0xffeb]],
    ['ctrl-c', [0xffe3, 0x63]],
    ['ctrl-shift-A', [0xffe3, 0xffe1, 0x41]],
    ['ctrl--', [0xffe3, 0x2d]],
    ['-', [0x2d]],
    ['ctrl-minus', [0xffe3, 0x2d]],
    ['Up', [0xff52]],
    ['pgdn', [0xff56]],
    ['0xff0d', [0xff0d]],
    ['spc', [0x20]],
  ])('%s', (combo, syms) => {
    expect(parseKeyCombo(combo)).toEqual(syms);
  });

  it('names an unknown key and a malformed combination', () => {
    expect(() => keysymOf('banana')).toThrow(/^unknown key 'banana'/);
    expect(() => parseKeyCombo('ctrl-')).toThrow("bad key combination 'ctrl-'");
  });

  it('maps characters: Latin-1 directly, Unicode to 0x01000000 + code point, newline to Return', () => {
    expect(charKeysym('a')).toBe(0x61);
    expect(charKeysym('é')).toBe(0xe9);
    expect(charKeysym('€')).toBe(0x010020ac);
    expect(charKeysym('\n')).toBe(0xff0d);
    expect(charKeysym('\t')).toBe(0xff09);
    expect(() => charKeysym('\x01')).toThrow('cannot type control character U+0001');
    expect([needsShift('A'), needsShift('a'), needsShift('!'), needsShift('1')]).toEqual([true, false, true, false]);
  });
});
