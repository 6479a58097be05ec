// SeaBIOS on v86's CPU with no disk, drawn through vramvnc's text renderer, against QEMU's screen of
// the same BIOS: every pixel equal but the cursor cell.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { connect, type Screen } from '../../client/screen/session.js';
import type { RgbaImage } from '../../client/screen/image.js';
import { fetchScreenshot } from '../helpers/app.js';
import type { Qemu } from '../screen/helpers.js';
import { startQemuI386, startV86 } from './v86-helpers.js';

let app: VramVnc | null = null;
let qemu: Qemu | null = null;
const screens: Screen[] = [];
afterEach(async () => {
  for (const s of screens.splice(0)) await s.close();
  await qemu?.stop();
  await app?.stop();
  app = qemu = null;
});

const NO_BOOTABLE = 'fixtures/needles/qemu/seabios-no-bootable.json';

/** Pixels that differ, as the bounding box of all of them (null: identical). */
function diffBox(a: RgbaImage, b: RgbaImage): { x0: number; y0: number; x1: number; y1: number; n: number } | null {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let box = null as { x0: number; y0: number; x1: number; y1: number; n: number } | null;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      if (a.data[i] === b.data[i] && a.data[i + 1] === b.data[i + 1] && a.data[i + 2] === b.data[i + 2]) continue;
      if (!box) box = { x0: x, y0: y, x1: x, y1: y, n: 0 };
      box.x0 = Math.min(box.x0, x);
      box.y0 = Math.min(box.y0, y);
      box.x1 = Math.max(box.x1, x);
      box.y1 = Math.max(box.y1, y);
      box.n++;
    }
  }
  return box;
}

describe('SeaBIOS with no disk on the v86 machine', () => {
  it('shows "No bootable device" through our text renderer, pixel-exact against QEMU but for the cursor cell', async () => {
    // QEMU's boot order and retry made to match v86's defaults (CD, floppy, hard disk; retry in 60 s)
    [app, qemu] = await Promise.all([startV86(), startQemuI386(['-boot', 'order=dac,reboot-timeout=60000'])]);
    const ours = await connect(app.vncUrl!);
    const theirs = await connect(qemu.url);
    screens.push(ours, theirs);
    await Promise.all([ours.assertScreen(NO_BOOTABLE, { timeoutMs: 60_000 }), theirs.assertScreen(NO_BOOTABLE, { timeoutMs: 60_000 })]);
    expect(app.device.modeName).toBe('text 80x25 (720x400)');
    // the cursor blinks on both sides at their own phase: everything else must be equal
    let box = diffBox(ours.image(), theirs.image());
    for (let i = 0; i < 20 && box && box.n > 9 * 16; i++) {
      await new Promise((r) => setTimeout(r, 200));
      box = diffBox(ours.image(), theirs.image());
    }
    const cr = app.device.regs.cr;
    const cursor = (cr[0x0e]! << 8) | cr[0x0f]!;
    const cell = { x: (cursor % 80) * 9, y: Math.floor(cursor / 80) * 16 };
    if (box) {
      expect(box.x0).toBeGreaterThanOrEqual(cell.x);
      expect(box.x1).toBeLessThan(cell.x + 9);
      expect(box.y0).toBeGreaterThanOrEqual(cell.y);
      expect(box.y1).toBeLessThan(cell.y + 16);
    }
    // and what the viewer got is the device's own rendering of VRAM
    const truth = await fetchScreenshot(app);
    const own = diffBox(ours.image(), truth);
    if (own) expect(own.x1 - own.x0 < 9 && own.y1 - own.y0 < 16).toBe(true);
  }, 120_000);

  it('`vramvnc serve --machine v86` with a missing BIOS prints one line naming the package and exits 2', async () => {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--machine', 'v86', '--vga-bios', '/nonexistent/vgabios.bin', '--vnc', '127.0.0.1:0', '--web', 'off'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => resolve({ code, err }));
    });
    expect(r.code).toBe(2);
    expect(r.err).toBe('vramvnc: --vga-bios /nonexistent/vgabios.bin: not found\n');
    const r2 = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--machine', 'v86', '--guest', 'desktop'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => resolve({ code, err }));
    });
    expect(r2).toEqual({ code: 2, err: 'vramvnc: --guest is for --machine scripted\n' });
  });
});
