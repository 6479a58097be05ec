// The screen-testing API against a real outside VNC server: QEMU (Debian's qemu-system-x86) with no
// disk, showing SeaBIOS' text screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, ScreenMatchError, type Screen } from '../../client/screen/session.js';
import { loadNeedle } from '../../client/screen/needle.js';
import { readPng } from '../../client/screen/image.js';
import { doctor, startQemu, type Qemu } from './helpers.js';

let qemu: Qemu | null = null;
let screen: Screen | null = null;
let tmp: string | null = null;

afterEach(async () => {
  await screen?.close();
  await qemu?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  qemu = screen = tmp = null;
});

// SeaBIOS waits this long at "Press ESC for boot menu." before it boots (and fails)
const BOOT_MENU = ['-boot', 'menu=on,splash-time=20000'];

describe('QEMU (SeaBIOS text screen) as the VNC server', () => {
  it('a needle cut from its screen matches; Esc opens the boot menu, which matches its needle', async () => {
    qemu = await startQemu(BOOT_MENU);
    screen = await connect(qemu.url);
    // QEMU starts at 640x480 and resizes (DesktopSize) when SeaBIOS sets text mode
    await screen.assertScreen('fixtures/needles/qemu/seabios-press-esc.json', { timeoutMs: 15_000 });
    expect([screen.width, screen.height]).toEqual([720, 400]);
    const s = screen;
    const change = await s.waitChange(() => s.sendKey('esc'), { timeoutMs: 10_000 });
    expect(change.rects.length).toBeGreaterThan(0);
    const m = await s.assertScreen({ dir: 'fixtures/needles/qemu', tag: 'seabios boot-menu' }, { timeoutMs: 10_000 });
    expect(m.needle.name).toBe('seabios-boot-menu');
    expect(m.areas[0]!.differing).toBe(0);
  });

  it("'No bootable device.' matches; a doctored needle fails with the reason and the three PNGs", async () => {
    qemu = await startQemu();
    screen = await connect(qemu.url);
    const needle = loadNeedle('fixtures/needles/qemu/seabios-no-bootable.json');
    await screen.assertScreen(needle, { timeoutMs: 20_000 });
    // SeaBIOS has stopped; only QEMU's text cursor (on the row below) still blinks
    await expect(screen.waitStill({ stillMs: 1000, timeoutMs: 1500 })).rejects.toThrow(/^screen did not stay still for 1000 ms/);
    await screen.waitStill({ stillMs: 500, timeoutMs: 5000, area: { x: 0, y: 0, w: 720, h: 128 } });
    // 'No bootable device.' → 'No bootable': 'device.' painted black
    const bad = doctor(needle, { x: 108, y: 112, w: 63, h: 16 }, 0x000000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-qemu-'));
    const err = (await screen.assertScreen(bad, { timeoutMs: 500, outDir: tmp }).catch((e: unknown) => e)) as ScreenMatchError;
    expect(err).toBeInstanceOf(ScreenMatchError);
    expect(err.message).toMatch(
      /^no needle matched within 500 ms: best candidate 'seabios-no-bootable-doctored' 0\.0% \(area 1 171x16\+0\+112: 0\.0% < 96\.0%, \d+ of 2736 pixels differ\); see .*seabios-no-bootable-doctored\.\{actual,expected,diff\}\.png$/,
    );
    for (const f of [err.files!.actual, err.files!.expected, err.files!.diff]) expect(readPng(f).width).toBe(720);
  });

  it('speaks VNC Authentication: the right password connects, a wrong or missing one is refused', async () => {
    qemu = await startQemu(['-object', 'secret,id=vncpw,data=s3cret'], ',password-secret=vncpw');
    screen = await connect(qemu.url, { password: 's3cret' });
    await screen.assertScreen('fixtures/needles/qemu/seabios-no-bootable.json', { timeoutMs: 20_000 });
    await expect(connect(qemu.url, { password: 'wrong' })).rejects.toThrow(/^protocol error: authentication failed: /);
    await expect(connect(qemu.url)).rejects.toThrow('protocol error: server requires VNC Authentication: give a password');
  });
});
