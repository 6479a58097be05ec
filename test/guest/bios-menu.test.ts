// The bios guest's boot menu: its countdown runs and boots the selected entry, and Up/Down/Enter
// from a viewer (through the i8042) move the selection and boot it (issue 14: it showed
// "↑↓ select / ENTER boot" and "in 3 s" but never read a key and never counted down).
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { biosGuest } from '../../src/guest/vga-programs.js';
import type { RfbClient } from '../../client/headless/rfb-client.js';
import { connect, sleep, startApp } from '../helpers/app.js';
import { terminalRows, waitForRow } from '../helpers/terminal.js';

let app: VramVnc | null = null;
let client: RfbClient | null = null;
afterEach(async () => {
  client?.close();
  client = null;
  await app?.stop();
  app = null;
});

/** Which menu entry (0-3) has the highlight attribute. */
function highlighted(a: VramVnc): number[] {
  return [0, 1, 2, 3].filter((i) => a.mem.vram[((13 + i) * 80 + 23) * 4 + 1] === 0x71);
}

const status = (a: VramVnc) => terminalRows(a)[23]!.replace(/\xdb+$/, '').trimEnd();

function press(c: RfbClient, keysym: number): void {
  c.keyEvent(true, keysym);
  c.keyEvent(false, keysym);
}

describe('the bios guest', () => {
  it('counts down 3, 2, 1 and boots the first entry', async () => {
    app = await startApp(biosGuest);
    const seen: string[] = [];
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && !status(app).includes('no bootable device')) {
      const s = status(app);
      if (seen.at(-1) !== s) seen.push(s);
      await sleep(50);
    }
    seen.push(status(app));
    expect(seen).toEqual(expect.arrayContaining(['Booting from Hard Disk in 3 s', 'Booting from Hard Disk in 2 s', 'Booting from Hard Disk in 1 s']));
    expect(seen.at(-1)).toBe('Booting from Hard Disk... no bootable device. Select another entry');
    expect(highlighted(app)).toEqual([0]);
  });

  it('Down and Up move the selection (and stop the countdown); Enter boots the selected entry', async () => {
    app = await startApp(biosGuest);
    client = await connect(app);
    await waitForRow(app, 'Memory Test:   65536K OK');
    press(client, 0xff54); // Down
    for (let i = 0; i < 100 && highlighted(app)[0] !== 1; i++) await sleep(20);
    expect(highlighted(app)).toEqual([1]);
    expect(status(app)).toBe('ENTER boots CD-ROM Drive');
    await sleep(3500); // the countdown would have booted by now
    expect(status(app)).toBe('ENTER boots CD-ROM Drive');
    press(client, 0xff52); // Up
    press(client, 0xff52); // Up again: wraps to the last entry
    for (let i = 0; i < 100 && highlighted(app)[0] !== 3; i++) await sleep(20);
    expect(highlighted(app)).toEqual([3]);
    press(client, 0xff54); // Down: wraps to the first
    press(client, 0xff54);
    press(client, 0xff54);
    press(client, 0xff0d); // Enter
    for (let i = 0; i < 100 && !status(app).startsWith('Booting from Network'); i++) await sleep(20);
    expect(highlighted(app)).toEqual([2]);
    expect(status(app)).toBe('Booting from Network (PXE)... no bootable device. Select another entry');
  });
});
