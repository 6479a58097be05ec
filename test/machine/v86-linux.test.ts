// Linux 6.1 (Debian's i386 kernel) with a busybox initramfs on the v86 machine: fbcon on the bochs
// DRM driver through our VBE and the v86 dirty-log tracker. Typing reaches its PS/2 keyboard; the
// tracker drops while the prompt sits still and re-arms on the next keystroke.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import type { Screen } from '../../client/screen/session.js';
import { copyImage, encodePng, type RgbaImage } from '../../client/screen/image.js';
import { countDiff, fetchScreenshot, sleep } from '../helpers/app.js';
import { DEFAULT_CLIENT_ENCODINGS } from '../../client/headless/rfb-client.js';
import { ensureGuests, INITRD, KERNEL, LINUX_PROMPT, startV86, viewLinuxPrompt } from './v86-helpers.js';

let app: VramVnc;
let screen: Screen;
const PROMPT = LINUX_PROMPT;
const HELLO = 'fixtures/needles/linux/fbcon-hello.json';

interface TrackingStats {
  tracking: { state: string; drops: number; rearms: number };
}
const stats = async () => (await (await fetch(`${app.webUrl}stats`)).json()) as TrackingStats;

/** UPDATE_NEEDLES=1: cut a needle from the live screen (to look at, then commit). */
function cutNeedle(json: string, img: RgbaImage, area: { xpos: number; ypos: number; width: number; height: number }, tags: string[]): void {
  if (process.env.UPDATE_NEEDLES !== '1') return;
  fs.mkdirSync(path.dirname(json), { recursive: true });
  fs.writeFileSync(json.replace(/\.json$/, '.png'), encodePng(img));
  fs.writeFileSync(json, JSON.stringify({ tags, area: [{ ...area, type: 'match' }], properties: [] }, null, 2) + '\n');
}

beforeAll(async () => {
  ensureGuests();
  app = await startV86({ kernel: KERNEL, initrd: INITRD, append: 'console=tty1' });
  screen = await viewLinuxPrompt(app, (s) => cutNeedle(PROMPT, copyImage(s.image()), { xpos: 0, ypos: 0, width: 88, height: 16 }, ['linux', 'prompt']));
}, 300_000);

afterAll(async () => {
  await screen?.close();
  await app?.stop();
});

describe('Linux fbcon on the v86 machine', () => {
  it('runs on the bochs DRM driver at 1024x768x32, drawn through our VBE and the v86 dirty log', async () => {
    expect(app.device.modeName).toBe('VBE 1024x768x32');
    expect(app.tracker.counters.pagesReported).toBeGreaterThan(0);
    expect(countDiff(screen.image(), await fetchScreenshot(app))).toBe(0);
  });

  it('type "echo hello\\n": a needle finds "hello" on the screen', async () => {
    await screen.typeText('clear; echo hello\n');
    await screen.waitStill({ stillMs: 1000, timeoutMs: 30_000 });
    cutNeedle(HELLO, copyImage(screen.image()), { xpos: 0, ypos: 0, width: 40, height: 16 }, ['linux', 'hello']);
    const m = await screen.assertScreen(HELLO, { timeoutMs: 30_000 });
    expect(m.needle.name).toBe('fbcon-hello');
    expect(countDiff(screen.image(), await fetchScreenshot(app))).toBe(0);
  }, 60_000);

  it('a QEMU extended key event is typed by its keycode (the keysym beside it is ignored)', async () => {
    screen.client.setEncodings([...DEFAULT_CLIENT_ENCODINGS, -258]); // QEMU Extended Key Event
    await screen.typeText('clear; echo ');
    // message 255, submessage 0: down/up, keysym 'q' (wrong on purpose), keycode 0x23 = the H key
    for (const down of [1, 0]) {
      const b = Buffer.alloc(12);
      b.writeUInt8(255, 0);
      b.writeUInt8(0, 1);
      b.writeUInt16BE(down, 2);
      b.writeUInt32BE(0x71, 4);
      b.writeUInt32BE(0x23, 8);
      screen.client.sendRaw(b);
    }
    await screen.typeText('ello\n');
    await screen.waitStill({ stillMs: 1000, timeoutMs: 30_000 });
    await screen.assertScreen(HELLO, { timeoutMs: 30_000 });
  }, 60_000);

  it('the tracker drops while the prompt sits still, and the next keystroke re-arms it and reaches the viewer', async () => {
    let s = await stats();
    for (let i = 0; i < 40 && s.tracking.state !== 'dropped'; i++) {
      await sleep(250);
      s = await stats();
    }
    expect(s.tracking.state).toBe('dropped');
    const rearms = s.tracking.rearms;
    const change = await screen.waitChange(() => screen.typeText('x'), { timeoutMs: 20_000 });
    expect(change.rects.length).toBeGreaterThan(0);
    s = await stats();
    expect(s.tracking.rearms).toBe(rearms + 1);
    expect(s.tracking.state).toBe('tracking');
    await screen.waitStill({ stillMs: 500, timeoutMs: 10_000 });
    expect(countDiff(screen.image(), await fetchScreenshot(app))).toBe(0);
    screen.sendKey('backspace');
  }, 60_000);
});
