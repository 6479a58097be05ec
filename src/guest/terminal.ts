// The `terminal` guest: an 80x25 console that prints and scrolls a boot log, and echoes keys read
// from the i8042 keyboard controller at ports 0x60/0x64 (scancode set 1, XT-translated).
import type { GuestContext, GuestProgram } from './guest.js';
import { TEXT_BASE, VgaBios } from './vga-bios.js';

const BOOT_LOG = [
  'vramvnc terminal: an 80x25 console on the emulated VGA',
  '[    0.000000] Linux version 6.1.0-vramvnc (gcc 12.2.0) #1 SMP',
  '[    0.000000] Command line: console=tty0 vga=normal',
  '[    0.004000] DMI: vramvnc Standard PC (i440FX + PIIX, 1996)',
  '[    0.012000] Console: colour VGA+ 80x25',
  '[    0.120000] PCI: Using configuration type 1 for base access',
  '[    0.160000] pci 0000:00:02.0: vgaarb: setting as boot VGA device',
  '[    0.240000] Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled',
  '[    0.300000] i8042: PNP: PS/2 Controller [PNP0303:KBD] at 0x60,0x64 irq 1',
  '[    0.420000] input: AT Translated Set 2 keyboard as /devices/platform/i8042',
  '[    0.500000] Freeing unused kernel memory: 2048K',
  '[    0.620000] systemd[1]: Detected virtualization xen.',
  '[  OK  ] Started Journal Service.',
  '[  OK  ] Reached target Local File Systems.',
  '[  OK  ] Started Network Time Synchronization.',
  '[  OK  ] Reached target Graphical Interface.',
];

/** Scancode set 1 (XT-translated) make codes → characters, unshifted and shifted (US layout). */
const SET1: Record<number, [string, string]> = {
  0x02: ['1', '!'], 0x03: ['2', '@'], 0x04: ['3', '#'], 0x05: ['4', '$'], 0x06: ['5', '%'], 0x07: ['6', '^'],
  0x08: ['7', '&'], 0x09: ['8', '*'], 0x0a: ['9', '('], 0x0b: ['0', ')'], 0x0c: ['-', '_'], 0x0d: ['=', '+'],
  0x10: ['q', 'Q'], 0x11: ['w', 'W'], 0x12: ['e', 'E'], 0x13: ['r', 'R'], 0x14: ['t', 'T'], 0x15: ['y', 'Y'],
  0x16: ['u', 'U'], 0x17: ['i', 'I'], 0x18: ['o', 'O'], 0x19: ['p', 'P'], 0x1a: ['[', '{'], 0x1b: [']', '}'],
  0x1e: ['a', 'A'], 0x1f: ['s', 'S'], 0x20: ['d', 'D'], 0x21: ['f', 'F'], 0x22: ['g', 'G'], 0x23: ['h', 'H'],
  0x24: ['j', 'J'], 0x25: ['k', 'K'], 0x26: ['l', 'L'], 0x27: [';', ':'], 0x28: ["'", '"'], 0x29: ['`', '~'],
  0x2b: ['\\', '|'], 0x2c: ['z', 'Z'], 0x2d: ['x', 'X'], 0x2e: ['c', 'C'], 0x2f: ['v', 'V'], 0x30: ['b', 'B'],
  0x31: ['n', 'N'], 0x32: ['m', 'M'], 0x33: [',', '<'], 0x34: ['.', '>'], 0x35: ['/', '?'], 0x39: [' ', ' '],
};

/** Decodes scancode set 1 bytes into key presses: characters, or 'Enter' / 'Backspace'. */
export class Set1Decoder {
  #shift = false;
  #extended = false;

  /** Feed one byte from port 0x60; returns the character typed, if any. */
  feed(code: number): string | null {
    if (code === 0xe0) {
      this.#extended = true;
      return null;
    }
    const ext = this.#extended;
    this.#extended = false;
    const make = (code & 0x80) === 0;
    const key = code & 0x7f;
    if (!ext && (key === 0x2a || key === 0x36)) {
      this.#shift = make;
      return null;
    }
    if (!make || ext) return null;
    if (key === 0x1c) return 'Enter';
    if (key === 0x0e) return 'Backspace';
    const e = SET1[key];
    return e ? e[this.#shift ? 1 : 0] : null;
  }
}

/** An 80x25 console: prints a boot log and scrolls, then echoes keys read from the i8042 at 0x60/0x64. */
export const terminalGuest: GuestProgram = {
  name: 'terminal',
  start(ctx: GuestContext) {
    const bios = new VgaBios(ctx.io, ctx.mem);
    bios.setMode03();
    const con = new TextConsole(bios, ctx);
    let line = 0;
    let n = 0;
    const next = () => {
      if (line < BOOT_LOG.length) con.println(BOOT_LOG[line++]!, line === 1 ? 0x0f : 0x07);
      else con.println(`[  OK  ] heartbeat ${++n}: the console scrolls one line every 700 ms`, 0x02);
      ctx.setTimeout(next, 700);
    };
    next();
    // the keyboard controller: status bit 0 = output buffer full; 0xFF means nothing answers there
    if (ctx.io.inb(0x64) === 0xff) {
      ctx.log('terminal: no keyboard controller at 0x64, not reading keys');
      return;
    }
    const dec = new Set1Decoder();
    // the keyboard interrupt (IRQ 1) says a byte waits: no polling while nobody types
    const keys = () => {
      for (let i = 0; i < 64 && ctx.io.inb(0x64) & 1; i++) {
        const k = dec.feed(ctx.io.inb(0x60));
        if (k) con.key(k);
      }
    };
    ctx.onIrq(1, keys);
    keys(); // bytes that came before the handler was set
  },
};

/** A minimal console driver on the text buffer: print, scroll (copying through the window), echo keys. */
export class TextConsole {
  row = 0;
  col = 0;
  input = '';

  constructor(readonly bios: VgaBios, readonly ctx: GuestContext) {}

  println(text: string, attr = 0x07): void {
    if (this.row >= 25) this.scroll();
    this.bios.puts(0, this.row, text.slice(0, 80).padEnd(80), attr);
    this.row++;
    this.#drawInput();
  }

  /** Move rows 1-24 up by one through reads and writes of the window, blank the last row. */
  scroll(): void {
    const mem = this.ctx.mem;
    for (let i = 0; i < 80 * 24; i++) mem.store16(TEXT_BASE + i * 2, mem.load16(TEXT_BASE + (i + 80) * 2));
    this.bios.fill(0, 24, 80, 1, 0x20, 0x07);
    this.row = 24;
  }

  key(k: string): void {
    if (k === 'Enter') {
      const line = this.input;
      this.input = '';
      this.println(`> ${line}`, 0x0e);
      return;
    }
    if (k === 'Backspace') this.input = this.input.slice(0, -1);
    else if (this.input.length < 70) this.input += k;
    this.#drawInput();
  }

  #drawInput(): void {
    // the prompt lives on the row after the last line printed (or the last row)
    const r = Math.min(this.row, 24);
    if (this.row >= 25) return;
    this.bios.puts(0, r, `$ ${this.input}`.padEnd(80), 0x0f);
    this.bios.setCursor(2 + this.input.length, r);
  }
}
