// The terminal guest: scrolling console output and keyboard echo through an i8042 at 0x60/0x64
// (here a tiny test-only controller that answers with scancode set 1 bytes; the test raises IRQ 1
// as the real i8042 does when a byte waits).
import { afterEach, describe, expect, it } from 'vitest';
import { PortBus } from '../../src/hypervisor/io.js';
import { GuestMemory } from '../../src/hypervisor/memory.js';
import { createTracker } from '../../src/hypervisor/dirty-log.js';
import { VgaDevice } from '../../src/vga/vga-device.js';
import { GuestRunner } from '../../src/guest/guest.js';
import { GuestInput } from '../../src/guest/input-devices.js';
import { Set1Decoder, terminalGuest } from '../../src/guest/vga-programs.js';

/** Row r of the text screen as a string (characters in plane 0). */
function row(mem: GuestMemory, r: number): string {
  let s = '';
  for (let c = 0; c < 80; c++) s += String.fromCharCode(mem.vram[(r * 80 + c) * 4]!);
  return s.trimEnd();
}

let runner: GuestRunner | null = null;
afterEach(() => {
  runner?.stop();
  runner = null;
});

function boot(withController: boolean) {
  const io = new PortBus();
  const mem = new GuestMemory(8 << 20);
  const device = new VgaDevice(mem, io, createTracker(mem, 'dirty', 2000), { blinkTimer: false });
  const queue: number[] = [];
  if (withController) {
    io.register([0x60, 0x64], {
      // status bit 0: output buffer full
      read: (port) => (port === 0x64 ? (queue.length ? 0x1d : 0x1c) : (queue.shift() ?? 0)),
      write: () => {},
    });
  }
  const logs: string[] = [];
  runner = new GuestRunner(io, mem, new GuestInput(), 1, null, (l) => logs.push(l));
  return { io, mem, device, queue, logs, run: () => runner!.run(terminalGuest) };
}

const until = async (pred: () => boolean) => {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(pred()).toBe(true);
};

describe('scancode set 1 decoding', () => {
  it('decodes make codes, ignores break codes, follows shift and skips E0 prefixes', () => {
    const d = new Set1Decoder();
    const typed = [0x23, 0xa3, 0x2a, 0x17, 0x97, 0xaa, 0x02, 0x82, 0xe0, 0x48, 0xe0, 0xc8, 0x1c, 0x0e].map((b) => d.feed(b));
    expect(typed).toEqual(['h', null, null, 'I', null, null, '1', null, null, null, null, null, 'Enter', 'Backspace']);
  });
});

describe('terminal guest', () => {
  it('prints lines and echoes keys read from the keyboard controller', async () => {
    const t = boot(true);
    await t.run();
    expect(row(t.mem, 0)).toBe('vramvnc terminal: an 80x25 console on the emulated VGA');
    // "hi", Enter (make + break codes as the i8042 delivers them in set 1)
    // the controller raises IRQ 1 when a byte waits; the guest reads on it, it does not poll
    t.queue.push(0x23, 0xa3, 0x17, 0x97);
    runner!.raiseIrq(1);
    const rows = () => Array.from({ length: 25 }, (_, r) => row(t.mem, r));
    // the prompt follows the last line printed (the log goes on meanwhile)
    await until(() => rows().includes('$ hi'));
    t.queue.push(0x1c, 0x9c);
    await new Promise((r) => setTimeout(r, 100));
    expect(rows().includes('> hi'), 'no IRQ, no key read').toBe(false);
    runner!.raiseIrq(1);
    await until(() => rows().includes('> hi'));
    const r = rows().indexOf('> hi');
    expect(rows()[r + 1]).toMatch(/^\$$|^\[/);
  });

  it('treats 0xFF from port 0x64 as no controller and does not poll', async () => {
    const t = boot(false);
    await t.run();
    expect(t.logs.join('\n')).toMatch(/no keyboard controller/);
  });

  it('scrolls when the screen is full', async () => {
    const t = boot(false);
    await t.run();
    // the guest prints one line per 700 ms; drive its console directly for speed
    const { TextConsole } = await import('../../src/guest/vga-programs.js');
    const { VgaBios } = await import('../../src/guest/vga-bios.js');
    const c = new TextConsole(new VgaBios(t.io, t.mem), runner!.ctx);
    for (let i = 0; i < 30; i++) c.println(`line ${i}`);
    expect(row(t.mem, 23)).toBe('line 28');
    expect(row(t.mem, 24)).toBe('line 29');
    expect(row(t.mem, 0)).toBe('line 5');
  });
});
