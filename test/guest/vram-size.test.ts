// A guest whose VBE mode does not fit the card's video RAM says so (QEMU's vbe_fixup_regs would
// quietly clamp it to a smaller screen): at start the server refuses to run it; later (the modes
// guest reaches 1024x768x32 in its fifth step) the guest stops with a log line and the server serves on.
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { modesGuest } from '../../src/guest/modes.js';
import { interactiveDesktop } from '../../src/guest/interactive-desktop.js';
import { connect, sleep, startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe('a VBE mode larger than video RAM', () => {
  it('refuses to start a guest whose first mode does not fit', async () => {
    await expect(startApp(interactiveDesktop(), { vramMb: 1 })).rejects.toThrow('VBE 1024x768x32 needs 3 MiB of video RAM; the card has 1 MiB (give a larger --vram-mb)');
  });

  it('stops a guest that later asks for one, with a log line; clients are still served', async () => {
    const logs: string[] = [];
    app = await startApp(modesGuest(40), { vramMb: 1, log: (l) => logs.push(l) });
    for (let i = 0; i < 100 && !logs.some((l) => l.includes('stopped')); i++) await sleep(20);
    expect(logs).toContain("guest 'modes' stopped: VBE 1024x768x32 needs 3 MiB of video RAM; the card has 1 MiB (give a larger --vram-mb)");
    const c = await connect(app);
    await c.waitFirstFrame();
    // the card shows what it clamped the mode to (QEMU does the same); the guest no longer draws into it
    expect([c.width, c.height]).toEqual([1024, 256]);
    c.close();
  });
});
