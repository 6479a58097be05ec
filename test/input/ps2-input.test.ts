import { describe, expect, it } from 'vitest';
import { I8042 } from '../../src/input/i8042.js';
import { mousePacket, ps2Buttons, Ps2Input } from '../../src/input/ps2-input.js';

function enabled() {
  const kbc = new I8042();
  kbc.writeCommand(0xd4);
  kbc.writeData(0xf4);
  kbc.readData(); // ACK
  return { kbc, ps2: new Ps2Input(kbc) };
}

function readAll(kbc: I8042): number[] {
  const out = [];
  while (kbc.readStatus() & 1) out.push(kbc.readData());
  return out;
}

/** Integrate packets as a guest does; returns the final position and buttons. */
function integrate(bytes: number[], x = 0, y = 0) {
  let buttons = 0;
  for (let i = 0; i + 2 < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    x += bytes[i + 1]! - (b0 & 0x10 ? 256 : 0);
    y -= bytes[i + 2]! - (b0 & 0x20 ? 256 : 0);
    buttons = b0 & 7;
  }
  return { x, y, buttons };
}

describe('PS/2 input from RFB events', () => {
  it('builds packets with sign bits, bit 3 set, and up-positive Y', () => {
    expect(mousePacket(1, 5, -3)).toEqual([0x29, 5, 0xfd]);
    expect(mousePacket(0, -1, 0)).toEqual([0x18, 0xff, 0]);
  });

  it('maps RFB buttons (left, middle, right) to PS/2 (left, right, middle)', () => {
    expect(ps2Buttons(1)).toBe(1);
    expect(ps2Buttons(2)).toBe(4);
    expect(ps2Buttons(4)).toBe(2);
  });

  it('turns absolute positions into deltas a guest integrates back to the same position', () => {
    const { kbc, ps2 } = enabled();
    ps2.pointerEvent(0, 100, 50);
    ps2.pointerEvent(1, 90, 70);
    const bytes = readAll(kbc);
    expect(integrate(bytes)).toEqual({ x: 90, y: 70, buttons: 1 });
  });

  it('splits long moves into packets of at most 255 per axis', () => {
    const { kbc, ps2 } = enabled();
    ps2.pointerEvent(0, 1000, 700);
    const bytes = readAll(kbc);
    expect(bytes.length).toBe(12); // ceil(1000/255) = 4 packets
    expect(integrate(bytes)).toEqual({ x: 1000, y: 700, buttons: 0 });
  });

  it('types keysyms and QEMU keycodes as set-1 bytes', () => {
    const { kbc, ps2 } = enabled();
    ps2.keyEvent(true, 0x61);
    ps2.keyEvent(false, 0x61);
    ps2.keyEvent(true, 0xff52, 0xc8);
    ps2.keyEvent(true, 0x20ac);
    expect(readAll(kbc)).toEqual([0x1e, 0x9e, 0xe0, 0x48]);
    expect(ps2.counters.unmappedKeys).toBe(1);
  });
});
