// The `bios` guest: a text-mode firmware screen (banner, a counting memory test, a boot menu, then
// a blinking cursor), drawn through the legacy window after a mode 03h set.
import type { GuestContext, GuestProgram } from './guest.js';
import { VgaBios } from './vga-bios.js';
import { Set1Decoder } from '../input/scancodes.js';

const ENTRIES = ['1. Hard Disk', '2. CD-ROM Drive', '3. Network (PXE)', '4. Enter Setup'];
const DEVICES = ['Hard Disk', 'CD-ROM Drive', 'Network (PXE)'];
/** Seconds the menu waits before booting its selected entry. */
export const BIOS_COUNTDOWN_S = 3;

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
  drawMenu(bios, 0);
  bios.puts(23, 18, '\x18\x19 select   ENTER boot', 0x1b);
  // line-graphics characters (0xC0-0xDF) fill the 9th column: a solid bar with no gaps
  bios.fill(0, 22, 80, 1, 0xc4, 0x08);
  bios.puts(0, 23, 'Booting from Hard Disk in 3 s ', 0x07);
  bios.puts(30, 23, '\xdb\xdb\xdb', 0x8c); // blinking red blocks (attribute bit 7)
  bios.puts(0, 24, 'A:\\> ', 0x07);
  return { col: 5, row: 24 };
}

/** The boot menu's entries, `selected` highlighted. */
function drawMenu(bios: VgaBios, selected: number): void {
  ENTRIES.forEach((e, i) => bios.puts(23, 13 + i, e.padEnd(34), i === selected ? 0x71 : 0x1f));
}

/**
 * A text-mode firmware screen: banner, a counting memory test, a boot menu that Up/Down/Enter drive
 * (read from the i8042 at 0x60/0x64), and a countdown that boots the selected entry; then a blinking cursor.
 */
export const biosGuest: GuestProgram = {
  name: 'bios',
  start(ctx: GuestContext) {
    const bios = new VgaBios(ctx.io, ctx.mem);
    bios.setMode03();
    const total = 65536;
    const cursor = drawBiosScreen(bios, 0);
    bios.setCursor(cursor.col, cursor.row);
    let selected = 0;
    let left = BIOS_COUNTDOWN_S; // seconds; -1: stopped by a key, or booted
    const status = (text: string, blocks: boolean) => {
      bios.puts(0, 23, text.slice(0, 76).padEnd(80), 0x07);
      if (blocks) bios.puts(Math.min(76, text.length) + 1, 23, '\xdb\xdb\xdb', 0x8c); // blinking red blocks
    };
    const boot = () => {
      left = -1;
      if (selected === 3) status('Setup: nothing to set up here. ENTER boots the selected entry', false);
      else status(`Booting from ${DEVICES[selected]}... no bootable device. Select another entry`, false);
    };
    const tick = () => {
      if (left < 0) return;
      if (left === 0) return boot();
      status(`Booting from ${DEVICES[selected] ?? DEVICES[0]} in ${left} s`, true);
      left--;
      ctx.setTimeout(tick, 1000);
    };
    let kb = 0;
    const count = () => {
      kb = Math.min(total, kb + 4096);
      bios.puts(13, 3, `${String(kb).padStart(7)}K OK`, 0x07);
      if (kb < total) ctx.setTimeout(count, 60);
      else tick(); // the countdown starts once the memory test is done
    };
    ctx.setTimeout(count, 60);
    // the keyboard: Up/Down move the selection (and stop the countdown), Enter boots it
    if (ctx.io.inb(0x64) === 0xff) return; // no keyboard controller
    const dec = new Set1Decoder();
    // the keyboard interrupt (IRQ 1) says a byte waits: no polling while nobody types
    const keys = () => {
      for (let i = 0; i < 64 && ctx.io.inb(0x64) & 1; i++) {
        const k = dec.feed(ctx.io.inb(0x60));
        if (!k || !k.down) continue;
        if (k.code === 0x48 || k.code === 0x50) {
          // grey arrows (E0-prefixed) and the keypad's 8/2 with Num Lock off
          selected = (selected + (k.code === 0x48 ? ENTRIES.length - 1 : 1)) % ENTRIES.length;
          drawMenu(bios, selected);
          left = -1;
          status(`ENTER boots ${ENTRIES[selected]!.slice(3)}`, false);
        } else if (k.code === 0x1c) {
          boot();
        }
      }
    };
    ctx.onIrq(1, keys);
    keys(); // bytes that came before the handler was set
  },
};
