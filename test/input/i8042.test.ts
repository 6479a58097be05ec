import { describe, expect, it } from 'vitest';
import { PortBus } from '../../src/hypervisor/io.js';
import { I8042, Mode, Status } from '../../src/input/i8042.js';

function setup() {
  const io = new PortBus();
  const kbc = new I8042();
  kbc.attach(io);
  const irqs: number[] = [];
  kbc.onIrq = (line) => irqs.push(line);
  return { io, kbc, irqs };
}

/** Everything waiting in the controller, read as a driver does: poll 0x64 bit 0, read 0x60. */
function drain(io: PortBus): { byte: number; aux: boolean }[] {
  const out = [];
  for (let i = 0; i < 1000; i++) {
    const st = io.inb(0x64);
    if (!(st & Status.OutputFull)) break;
    out.push({ aux: (st & Status.AuxData) !== 0, byte: io.inb(0x60) });
  }
  return out;
}

describe('i8042 keyboard controller', () => {
  it('reports an empty output buffer at reset', () => {
    const { io } = setup();
    expect(io.inb(0x64) & Status.OutputFull).toBe(0);
  });

  it('sets status bit 0 while a byte waits and reading 0x60 pops exactly one byte', () => {
    const { io, kbc } = setup();
    kbc.keyboardSend([0x1c, 0xf0, 0x1c]); // 'a' pressed and released, set 2
    expect(io.inb(0x64) & Status.OutputFull).toBe(1);
    expect(io.inb(0x64) & Status.AuxData).toBe(0);
    expect(io.inb(0x60)).toBe(0x1e);
    expect(io.inb(0x64) & Status.OutputFull).toBe(1);
    expect(io.inb(0x60)).toBe(0x9e);
    expect(io.inb(0x64) & Status.OutputFull).toBe(0);
    // an empty buffer reads the last byte again and changes nothing
    expect(io.inb(0x60)).toBe(0x9e);
    expect(io.inb(0x64) & Status.OutputFull).toBe(0);
  });

  it('hands the guest set 2 untranslated when it clears the translation bit of the command byte', () => {
    const { io, kbc } = setup();
    io.outb(0x64, 0x60);
    io.outb(0x60, Mode.KbdInt | Mode.System); // no XT translation
    kbc.keyboardSend([0x1c, 0xf0, 0x1c, 0xe0, 0xf0, 0x75]);
    expect(drain(io).map((b) => b.byte)).toEqual([0x1c, 0xf0, 0x1c, 0xe0, 0xf0, 0x75]);
  });

  it('raises IRQ 1 for each keyboard byte that reaches the output buffer', () => {
    const { io, kbc, irqs } = setup();
    kbc.keyboardSend([0xe0, 0x75]); // Up, set 2
    expect(irqs).toEqual([1]); // the second byte waits behind the first
    io.inb(0x60);
    expect(irqs).toEqual([1, 1]);
  });

  it('answers controller commands: self-test, read and write the command byte, port tests', () => {
    const { io, kbc } = setup();
    io.outb(0x64, 0xaa);
    expect(io.inb(0x64) & Status.SystemFlag).toBe(Status.SystemFlag);
    expect(io.inb(0x64) & Status.Command).toBe(Status.Command);
    expect(io.inb(0x60)).toBe(0x55);
    io.outb(0x64, 0x20);
    expect(io.inb(0x60)).toBe(Mode.KbdInt | Mode.System | Mode.Translate);
    io.outb(0x64, 0x60);
    io.outb(0x60, 0x47);
    expect(kbc.mode).toBe(0x47);
    io.outb(0x64, 0xab);
    expect(io.inb(0x60)).toBe(0x00);
    io.outb(0x64, 0xa9);
    expect(io.inb(0x60)).toBe(0x00);
  });

  it('answers keyboard commands with ACK: reset, identify, LEDs with their argument, echo', () => {
    const { io, kbc } = setup();
    io.outb(0x60, 0xff);
    expect(drain(io).map((b) => b.byte)).toEqual([0xfa, 0xaa]);
    io.outb(0x60, 0xf2);
    expect(drain(io).map((b) => b.byte)).toEqual([0xfa, 0xab, 0x41]);
    io.outb(0x60, 0xed);
    io.outb(0x60, 0x04);
    expect(drain(io).map((b) => b.byte)).toEqual([0xfa, 0xfa]);
    expect(kbc.leds).toBe(4);
    io.outb(0x60, 0xee);
    expect(drain(io).map((b) => b.byte)).toEqual([0xee]);
  });

  it('drops key bytes while the keyboard is disabled (0xF5) and takes them again after 0xF4', () => {
    const { io, kbc } = setup();
    io.outb(0x60, 0xf5);
    drain(io);
    kbc.keyboardSend([0x1c]);
    expect(drain(io)).toEqual([]);
    io.outb(0x60, 0xf4);
    drain(io);
    kbc.keyboardSend([0x1c]);
    expect(drain(io)).toEqual([{ byte: 0x1e, aux: false }]);
  });

  it('holds keyboard bytes while the command byte disables the keyboard clock, delivers them after 0xAE', () => {
    const { io, kbc } = setup();
    io.outb(0x64, 0xad);
    kbc.keyboardSend([0x15]); // 'q'
    expect(io.inb(0x64) & Status.OutputFull).toBe(0);
    io.outb(0x64, 0xae);
    expect(drain(io)).toEqual([{ byte: 0x10, aux: false }]);
  });

  it('drops bytes past the keyboard buffer and counts them', () => {
    const { io, kbc } = setup();
    for (let i = 0; i < 100; i++) kbc.keyboardSend([0x1c]);
    expect(drain(io).length).toBe(65); // the output buffer and 64 queued behind it
    expect(kbc.counters.dropped).toBe(35);
  });

  it('sends no mouse packets until the guest enables data reporting through 0xD4 0xF4', () => {
    const { io, kbc, irqs } = setup();
    kbc.auxSend([0x08, 1, 1]);
    expect(drain(io)).toEqual([]);
    io.outb(0x64, 0x60);
    io.outb(0x60, Mode.KbdInt | Mode.AuxInt | Mode.System | Mode.Translate);
    io.outb(0x64, 0xa8);
    io.outb(0x64, 0xd4);
    io.outb(0x60, 0xf4);
    expect(drain(io)).toEqual([{ byte: 0xfa, aux: true }]);
    irqs.length = 0;
    kbc.auxSend([0x09, 5, 0xfe]);
    expect(irqs).toEqual([12]);
    expect(drain(io)).toEqual([
      { byte: 0x09, aux: true },
      { byte: 5, aux: true },
      { byte: 0xfe, aux: true },
    ]);
  });

  it('answers mouse reset and identify with ACK, self-test result and ID', () => {
    const { io } = setup();
    io.outb(0x64, 0xd4);
    io.outb(0x60, 0xff);
    expect(drain(io).map((b) => b.byte)).toEqual([0xfa, 0xaa, 0x00]);
    io.outb(0x64, 0xd4);
    io.outb(0x60, 0xf2);
    expect(drain(io).map((b) => b.byte)).toEqual([0xfa, 0x00]);
  });

  it('pulses the reset line on command 0xFE', () => {
    const { io, kbc } = setup();
    let resets = 0;
    kbc.onReset = () => resets++;
    io.outb(0x64, 0xfe);
    expect(resets).toBe(1);
  });
});
