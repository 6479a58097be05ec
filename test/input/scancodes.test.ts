import { describe, expect, it } from 'vitest';
import { keysymToSet1, qnumToSet1, Set1Decoder, set1Bytes, set2Bytes, translateSet2 } from '../../src/input/scancodes.js';

describe('keysym to scancode set 1', () => {
  it('maps letters and digits to their keys, shift-insensitively', () => {
    expect(keysymToSet1(0x61)).toEqual({ code: 0x1e, extended: false }); // a
    expect(keysymToSet1(0x41)).toEqual({ code: 0x1e, extended: false }); // A
    expect(keysymToSet1(0x31)).toEqual({ code: 0x02, extended: false }); // 1
    expect(keysymToSet1(0x21)).toEqual({ code: 0x02, extended: false }); // !
    expect(keysymToSet1(0x20)).toEqual({ code: 0x39, extended: false }); // space
  });

  it('maps function, modifier and extended keys', () => {
    expect(keysymToSet1(0xff0d)).toEqual({ code: 0x1c, extended: false }); // Return
    expect(keysymToSet1(0xffe1)).toEqual({ code: 0x2a, extended: false }); // Shift_L
    expect(keysymToSet1(0xffe4)).toEqual({ code: 0x1d, extended: true }); // Control_R
    expect(keysymToSet1(0xff52)).toEqual({ code: 0x48, extended: true }); // Up
    expect(keysymToSet1(0xffff)).toEqual({ code: 0x53, extended: true }); // Delete
    expect(keysymToSet1(0xffbe)).toEqual({ code: 0x3b, extended: false }); // F1
    expect(keysymToSet1(0xffc9)).toEqual({ code: 0x58, extended: false }); // F12
    expect(keysymToSet1(0x20ac)).toBeNull(); // EuroSign: no key on a US keyboard
  });

  it('reads QEMU extended key event keycodes as noVNC sends them (0xE0 xx as 0x80 | xx)', () => {
    expect(qnumToSet1(0x1e)).toEqual({ code: 0x1e, extended: false });
    expect(qnumToSet1(0xc8)).toEqual({ code: 0x48, extended: true }); // ArrowUp = 0xE048
    expect(qnumToSet1(0)).toBeNull();
  });

  it('makes break codes with bit 7 and keeps the 0xE0 prefix', () => {
    expect(set1Bytes({ code: 0x1e, extended: false }, true)).toEqual([0x1e]);
    expect(set1Bytes({ code: 0x1e, extended: false }, false)).toEqual([0x9e]);
    expect(set1Bytes({ code: 0x48, extended: true }, false)).toEqual([0xe0, 0xc8]);
  });

  it('translates every mapped key from set 2 to exactly its set-1 bytes, as the i8042 does', () => {
    const keysyms = [...Array.from({ length: 0x5f }, (_, i) => 0x20 + i), ...Array.from({ length: 0x100 }, (_, i) => 0xff00 + i), 0xfe03, 0xfe20];
    let checked = 0;
    for (const sym of keysyms) {
      const key = keysymToSet1(sym);
      if (!key) continue;
      for (const down of [true, false]) {
        const set2 = set2Bytes(key, down);
        expect(set2.length).toBeGreaterThan(0);
        expect(translateSet2(set2, { release: false })).toEqual(set1Bytes(key, down));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(120);
    expect(set2Bytes({ code: 0x48, extended: true }, false)).toEqual([0xe0, 0xf0, 0x75]); // Up released
  });

  it('round-trips typed text through the guest-side decoder, with Shift', () => {
    const text = 'Hello, World! 42 ~_+{}';
    const dec = new Set1Decoder();
    const shift = { code: 0x2a, extended: false };
    let typed = '';
    for (const ch of text) {
      const needsShift = /[A-Z!@#$%^&*()_+{}|:"~<>?]/.test(ch);
      const key = keysymToSet1(ch.charCodeAt(0))!;
      const bytes = [
        ...(needsShift ? set1Bytes(shift, true) : []),
        ...set1Bytes(key, true),
        ...set1Bytes(key, false),
        ...(needsShift ? set1Bytes(shift, false) : []),
      ];
      for (const b of bytes) {
        const ev = dec.feed(b);
        if (ev?.char) typed += ev.char;
      }
    }
    expect(typed).toBe(text);
  });
});
