// Guest programs that use the legacy VGA: bios (text firmware screen), terminal (scrolling console
// with keyboard echo), mode13 (palette animation), planar (mode 12h write modes), modes (a cycle
// through text, 13h, 12h and two VBE modes).
import { setVbeMode, type GuestContext, type GuestProgram } from './guest.js';
import { GFX_BASE, TEXT_BASE, VgaBios } from './vga-bios.js';
import { LFB_BASE } from '../hypervisor/memory.js';

const cp437 = (s: string) => s; // our strings are ASCII plus explicit \xNN CP437 codes

/** Draw the firmware screen's fixed parts; returns the cursor's final position. */
export function drawBiosScreen(bios: VgaBios, memoryKb: number): { col: number; row: number } {
  bios.fill(0, 0, 80, 1, 0x20, 0x1f);
  bios.puts(2, 0, 'vramvnc BIOS v1.0', 0x1f);
  bios.puts(58, 0, 'Copyright (C) 2026', 0x1f);
  bios.puts(0, 2, 'CPU: Emulated HVM vCPU @ 3000 MHz', 0x07);
  bios.puts(0, 3, `Memory Test: ${String(memoryKb).padStart(7)}K OK`, 0x07);
  bios.puts(0, 4, 'VGA: stdvga, 8192K VRAM, VBE 0xB0C5', 0x07);
  bios.puts(0, 6, 'Detecting drives...', 0x07);
  bios.puts(2, 7, '\x10 Primary Master:   VRAMVNC HARDDISK 2.0  (21 GB)', 0x0a);
  bios.puts(2, 8, '\x10 Secondary Master: VRAMVNC DVD-ROM', 0x0a);
  bios.box(20, 11, 40, 9, 0x1e, 'Boot Menu');
  const entries = ['1. Hard Disk', '2. CD-ROM Drive', '3. Network (PXE)', '4. Enter Setup'];
  entries.forEach((e, i) => bios.puts(23, 13 + i, e.padEnd(34), i === 0 ? 0x71 : 0x1f));
  bios.puts(23, 18, '\x18\x19 select   ENTER boot', 0x1b);
  // line-graphics characters (0xC0-0xDF) fill the 9th column: a solid bar with no gaps
  bios.fill(0, 22, 80, 1, 0xc4, 0x08);
  bios.puts(0, 23, 'Booting from Hard Disk in 3 s ', 0x07);
  bios.puts(30, 23, '\xdb\xdb\xdb', 0x8c); // blinking red blocks (attribute bit 7)
  bios.puts(0, 24, 'A:\\> ', 0x07);
  return { col: 5, row: 24 };
}

/** A text-mode firmware screen: banner, a counting memory test, a boot menu, then a blinking cursor. */
export const biosGuest: GuestProgram = {
  name: 'bios',
  start(ctx: GuestContext) {
    const bios = new VgaBios(ctx.io, ctx.mem);
    bios.setMode03();
    const total = 65536;
    const cursor = drawBiosScreen(bios, 0);
    bios.setCursor(cursor.col, cursor.row);
    let kb = 0;
    const count = () => {
      kb = Math.min(total, kb + 4096);
      bios.puts(13, 3, `${String(kb).padStart(7)}K OK`, 0x07);
      if (kb < total) ctx.setTimeout(count, 60);
    };
    ctx.setTimeout(count, 60);
  },
};

// ----- terminal -----

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
    ctx.setInterval(() => {
      for (let i = 0; i < 64 && ctx.io.inb(0x64) & 1; i++) {
        const k = dec.feed(ctx.io.inb(0x60));
        if (k) con.key(k);
      }
    }, 20);
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

// ----- mode 13h -----

/** Draw concentric bands of colours 32..247 once; the animation then only rotates the DAC. */
export function drawMode13Picture(mem: GuestContext['mem']): void {
  for (let y = 0; y < 200; y++) {
    for (let x = 0; x < 320; x++) {
      const dx = x - 160;
      const dy = (y - 100) * 1.6;
      const d = Math.sqrt(dx * dx + dy * dy);
      const c = 32 + (Math.floor(d * 1.5 + ((x >> 5) + (y >> 5)) * 3) % 216);
      mem.store8(GFX_BASE + y * 320 + x, c);
    }
  }
  for (let i = 0; i < 16; i++) for (let y = 4; y < 14; y++) for (let x = 0; x < 18; x++) mem.store8(GFX_BASE + y * 320 + 4 + i * 20 + x, i);
}

/** The DAC colours of frame t of the palette animation (entries 32..247). */
export function mode13Palette(t: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < 216; i++) {
    const p = ((i + t) % 216) / 216;
    const f = (o: number) => Math.round(31.5 + 31.5 * Math.sin(2 * Math.PI * (p + o)));
    out.push([f(0), f(1 / 3), f(2 / 3)]);
  }
  return out;
}

/** Mode 13h: draws once, then animates by reprogramming the DAC only (no VRAM writes). */
export const mode13Guest: GuestProgram = {
  name: 'mode13',
  start(ctx: GuestContext) {
    const bios = new VgaBios(ctx.io, ctx.mem);
    bios.setMode13();
    bios.setDac(32, mode13Palette(0));
    drawMode13Picture(ctx.mem);
    let t = 0;
    ctx.setInterval(() => bios.setDac(32, mode13Palette(++t)), 50);
  },
};

// ----- mode 12h -----

/** Draw a picture in mode 12h using each write mode. */
export function drawPlanarPicture(bios: VgaBios): void {
  const { io, mem } = bios;
  const addr = (x: number, y: number) => GFX_BASE + y * 80 + (x >> 3);
  // write mode 2: each byte written is a colour; the bit mask selects pixels. 16 vertical bars.
  io.outw(0x3ce, 0x0205);
  for (let bar = 0; bar < 16; bar++) {
    for (let y = 40; y < 200; y++) {
      for (let x = bar * 40; x < bar * 40 + 40; x += 8) {
        io.outw(0x3ce, 0x08 | (0xff << 8));
        mem.load8(addr(x, y)); // load the latches
        mem.store8(addr(x, y), bar);
      }
    }
  }
  // write mode 0 with set/reset: filled white box with a 1-pixel-offset bit mask edge
  io.outw(0x3ce, 0x0005);
  io.outw(0x3ce, 0x0f01); // enable set/reset on all planes
  io.outw(0x3ce, 0x0f00); // set/reset value 15 (white)
  for (let y = 220; y < 300; y++) {
    for (let x = 40; x < 296; x += 8) {
      const mask = x === 40 ? 0x7f : x === 288 ? 0xfe : 0xff;
      io.outw(0x3ce, 0x08 | (mask << 8));
      mem.load8(addr(x, y));
      mem.store8(addr(x, y), 0);
    }
  }
  io.outw(0x3ce, 0x0001);
  io.outw(0x3ce, 0xff08);
  // write mode 0 with data and the XOR function: diagonal stripes over the bars (rotate 0)
  io.outw(0x3ce, 0x1803); // function XOR
  io.outw(0x3c4, 0x0402); // plane 2 only
  for (let y = 40; y < 200; y++) {
    for (let x = 320; x < 640; x += 8) {
      mem.load8(addr(x, y));
      mem.store8(addr(x, y), 0x0f << ((y >> 2) & 7));
    }
  }
  io.outw(0x3ce, 0x0003);
  io.outw(0x3c4, 0x0f02);
  // write mode 3: the data byte ANDed with the bit mask selects pixels set to the set/reset colour
  io.outw(0x3ce, 0x0305);
  io.outw(0x3ce, 0x0e00); // yellow
  for (let y = 220; y < 300; y++) {
    for (let x = 340; x < 600; x += 8) {
      mem.load8(addr(x, y));
      mem.store8(addr(x, y), (y >> 3) & 1 ? 0xaa : 0x55);
    }
  }
  // write mode 1: copy a block with the latches (read loads all four planes, write stores them)
  io.outw(0x3ce, 0x0105);
  for (let y = 0; y < 80; y++) {
    for (let x = 0; x < 256; x += 8) {
      mem.load8(addr(40 + x, 220 + y));
      mem.store8(addr(40 + x, 340 + y), 0);
    }
  }
  io.outw(0x3ce, 0x0005);
  io.outw(0x3ce, 0x0000);
}

/** Mode 12h drawn through write modes 0-3, then a bar that moves once a second (write mode 2). */
export const planarGuest: GuestProgram = {
  name: 'planar',
  start(ctx: GuestContext) {
    const bios = new VgaBios(ctx.io, ctx.mem);
    bios.setMode12();
    drawPlanarPicture(bios);
    let pos = 0;
    ctx.setInterval(() => {
      const { io, mem } = bios;
      io.outw(0x3ce, 0x0205);
      for (const [x, colour] of [
        [pos, 0],
        [(pos + 8) % 640, 12],
      ] as const) {
        for (let y = 440; y < 470; y++) {
          mem.load8(GFX_BASE + y * 80 + (x >> 3));
          mem.store8(GFX_BASE + y * 80 + (x >> 3), colour);
        }
      }
      io.outw(0x3ce, 0x0005);
      pos = (pos + 8) % 640;
    }, 1000);
  },
};

// ----- the mode cycle -----

export type CycleStep = 'text' | 'mode13' | 'mode12' | 'vbe800x600x16' | 'vbe1024x768x32';
export const MODE_CYCLE: readonly CycleStep[] = ['text', 'mode13', 'mode12', 'vbe800x600x16', 'vbe1024x768x32'];

/** Enter one step of the cycle and draw its picture. */
export function enterCycleStep(ctx: GuestContext, step: CycleStep): void {
  const bios = new VgaBios(ctx.io, ctx.mem);
  switch (step) {
    case 'text':
      bios.setMode03();
      bios.box(10, 5, 60, 12, 0x1f, 'vramvnc modes');
      bios.puts(14, 8, cp437('Mode 03h: 80x25 text, 9-dot cells \xc4\xc5\xc4 line graphics'), 0x1e);
      bios.puts(14, 10, 'next: 13h, 12h, VBE 800x600x16, VBE 1024x768x32', 0x1b);
      bios.setCursor(14, 12);
      return;
    case 'mode13':
      bios.setMode13();
      bios.setDac(32, mode13Palette(0));
      drawMode13Picture(ctx.mem);
      return;
    case 'mode12':
      bios.setMode12();
      drawPlanarPicture(bios);
      return;
    case 'vbe800x600x16': {
      setVbeMode(ctx.io, 800, 600, 16);
      const row = new Uint8Array(800 * 2);
      for (let y = 0; y < 600; y++) {
        for (let x = 0; x < 800; x++) {
          const r = (x * 31) / 799;
          const g = (y * 63) / 599;
          const b = ((x ^ y) >> 3) & 31;
          const p = (Math.round(r) << 11) | (Math.round(g) << 5) | b;
          row[x * 2] = p & 0xff;
          row[x * 2 + 1] = p >> 8;
        }
        ctx.mem.blitRows(LFB_BASE + y * 1600, 1600, row, 1600, 1600, 1);
      }
      return;
    }
    case 'vbe1024x768x32': {
      setVbeMode(ctx.io, 1024, 768, 32);
      for (let y = 0; y < 768; y++) {
        const v = new Uint32Array(1024);
        for (let x = 0; x < 1024; x++) v[x] = ((x >> 2) << 16) | ((y / 3) << 8) | (((x + y) >> 3) & 0xff);
        ctx.mem.blitRows(LFB_BASE + y * 4096, 4096, new Uint8Array(v.buffer), 4096, 4096, 1);
      }
      return;
    }
  }
}

/** Cycles text → 13h → 12h → VBE 800x600x16 → VBE 1024x768x32, `periodMs` each, forever. */
export function modesGuest(periodMs = 3000): GuestProgram {
  return {
    name: 'modes',
    start(ctx: GuestContext) {
      let i = 0;
      const step = () => {
        enterCycleStep(ctx, MODE_CYCLE[i % MODE_CYCLE.length]!);
        i++;
        ctx.setTimeout(step, periodMs);
      };
      step();
    },
  };
}
