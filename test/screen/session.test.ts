// The screen-testing API against our own guests over real TCP: needles, stillness, change, input.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, Screen, ScreenMatchError } from '../../client/screen/session.js';
import { createNeedle, loadNeedle, NeedleError } from '../../client/screen/needle.js';
import { copyImage, fillRect, readPng, type Rect } from '../../client/screen/image.js';
import { installScreenMatchers } from '../../client/screen/vitest.js';
import { CLOCK_BOX, resolveGuest } from '../../src/guest/programs.js';
import { Fb32 } from '../../src/guest/guest.js';
import type { InputEvent } from '../../src/guest/input-devices.js';
import type { VramVnc } from '../../src/app.js';
import { countDiff, fetchScreenshot, startApp } from '../helpers/app.js';
import { doctor } from './helpers.js';

installScreenMatchers();

/**
 * One row per guest screen a needle is cut from. `before` drives the guest to the screen (e.g. type
 * into a terminal); `doctorRect` is painted over (in `doctorRgb`) to make a needle that must fail.
 * To add the text-mode guests: { guest: 'bios', needle: 'fixtures/needles/vramvnc/bios-menu.json', ... }.
 */
const NEEDLE_CASES: {
  guest: string;
  needle: string;
  doctorRect: Rect;
  doctorRgb: number;
  before?: (s: Screen) => Promise<void>;
}[] = [
  // 'VRAMVNC TEST PICTURE' with 'PICTURE' painted out in the title bar's blue
  { guest: 'idle', needle: 'fixtures/needles/vramvnc/idle-title.json', doctorRect: { x: 147, y: 61, w: 114, h: 22 }, doctorRgb: 0x2050a0 },
  // the text-mode firmware's boot menu, with 'Network (PXE)' painted out in the menu's blue
  { guest: 'bios', needle: 'fixtures/needles/vramvnc/bios-boot-menu.json', doctorRect: { x: 232, y: 240, w: 120, h: 16 }, doctorRgb: 0x0000aa },
];

let app: VramVnc | null = null;
let screen: Screen | null = null;
let tmp: string | null = null;

afterEach(async () => {
  await screen?.close();
  await app?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  app = screen = tmp = null;
});

async function open(guest: string, opts: Parameters<typeof startApp>[1] = {}): Promise<Screen> {
  app = await startApp(resolveGuest(guest), opts);
  screen = await connect(app.vncUrl!);
  return screen;
}

function outDir(): string {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-screen-'));
  return tmp;
}

/** Resolve once the guest's input devices have seen n events (event-driven, no polling). */
function inputEvents(a: VramVnc, n: number): Promise<InputEvent[]> {
  return new Promise((resolve) => {
    const start = a.input.events.length;
    const check = () => {
      if (a.input.events.length - start >= n) resolve(a.input.events.slice(start, start + n));
    };
    a.input.onEvent(check);
  });
}

describe.each(NEEDLE_CASES)('needle $needle on the $guest guest', (c) => {
  it('matches the screen it was cut from', async () => {
    const s = await open(c.guest);
    await c.before?.(s);
    const needle = loadNeedle(c.needle);
    const m = await s.assertScreen(needle, { timeoutMs: 5000 });
    expect(m.ok).toBe(true);
    expect(m.similarity).toBe(1);
    for (const a of m.areas) {
      const na = needle.area[a.index]!;
      expect([a.x, a.y, a.differing]).toEqual([na.xpos, na.ypos, 0]);
    }
  });

  it('fails doctored, naming the candidate and its similarity, and writes actual/expected/diff PNGs', async () => {
    const s = await open(c.guest);
    await c.before?.(s);
    const bad = doctor(loadNeedle(c.needle), c.doctorRect, c.doctorRgb);
    const dir = outDir();
    const err = await s.assertScreen(bad, { timeoutMs: 300, outDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScreenMatchError);
    const e = err as ScreenMatchError;
    expect(e.message).toMatch(/^no needle matched within 300 ms: best candidate '[\w-]+-doctored' \d+\.\d% \(area \d+ \d+x\d+\+\d+\+\d+.*: \d+\.\d% < 96\.0%, \d+ of \d+ pixels differ\); see .*\.\{actual,expected,diff\}\.png$/);
    expect(e.message).not.toContain('\n');
    const files = e.files!;
    const actual = readPng(files.actual);
    const expected = readPng(files.expected);
    const diff = readPng(files.diff);
    expect([actual.width, actual.height]).toEqual([s.width, s.height]);
    expect(countDiff(actual, { width: s.width, height: s.height, data: s.image().data })).toBe(0);
    expect(countDiff(expected, bad.image)).toBe(0);
    // the diff marks the doctored pixels red, inside the failed area
    let red = 0;
    const r = c.doctorRect;
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) {
        const o = (y * diff.width + x) * 4;
        if (diff.data[o] === 255 && diff.data[o + 1] === 0 && diff.data[o + 2] === 0) red++;
      }
    }
    expect(red).toBeGreaterThan(0);
    expect(red).toBe(e.best!.areas.find((a) => !a.ok)!.differing);
  });
});

describe('Screen against our guests', () => {
  it('screenshot() is exactly what the server shows, as RGBA and as PNG', async () => {
    const s = await open('idle');
    const truth = await fetchScreenshot(app!);
    expect(countDiff(s.screenshot(), truth)).toBe(0);
    expect(countDiff(readPng(s.screenshot('png')), truth)).toBe(0);
  });

  it('finds needles in a directory by tag, and names a tag nobody has', async () => {
    const s = await open('idle');
    const m = await s.assertScreen({ dir: 'fixtures/needles', tag: 'idle vramvnc' }, { timeoutMs: 2000 });
    expect(m.needle.name).toBe('idle-title');
    await expect(s.assertScreen({ dir: 'fixtures/needles', tag: 'no-such-tag' })).rejects.toThrow(NeedleError);
    await expect(s.assertScreen({ dir: 'fixtures/needles', tag: 'no-such-tag' })).rejects.toThrow("no needle under fixtures/needles has tag(s) 'no-such-tag'");
  });

  it('checkScreen reports a mismatch without throwing', async () => {
    const s = await open('desktop');
    const r = await s.checkScreen('fixtures/needles/vramvnc/idle-title.json', { timeoutMs: 100 });
    expect(r.ok).toBe(false);
    expect(r.match).toBeNull();
    expect(r.best!.needle.name).toBe('idle-title');
    expect(r.best!.areas[0]!.differing).toBeGreaterThan(0);
  });

  it('assertScreen resolves on the very update that brings the change', async () => {
    const s = await open('idle');
    const box = { x: 300, y: 300, w: 100, h: 50 };
    const want = copyImage(s.image());
    fillRect(want, box, 0xff00ff);
    const needle = createNeedle(want, [box], { name: 'magenta-box', margin: 0 });
    expect((await s.checkScreen(needle)).ok).toBe(false);
    let changesAtFirst = -1;
    s.once('change', () => (changesAtFirst = s.changes));
    const pending = s.assertScreen(needle, { timeoutMs: 5000 });
    new Fb32(app!.mem, 1024, 768).fillRect(box.x, box.y, box.w, box.h, 0xff00ff); // the guest draws
    const m = await pending;
    expect(m.needle.name).toBe('magenta-box');
    expect(s.changes).toBe(changesAtFirst); // no second update was needed
  });

  it('waitStill returns once the random guest stops (--duration)', async () => {
    const s = await open('random', { durationMs: 1500 });
    const r = await s.waitStill({ stillMs: 500, timeoutMs: 10_000 });
    expect(app!.guest.ctx.stopped).toBe(true);
    expect(r.changes).toBeGreaterThan(0);
    expect(r.stillMs).toBeGreaterThanOrEqual(500);
  });

  it('waitStill gives up on a screen that keeps changing', async () => {
    const s = await open('random');
    await expect(s.waitStill({ stillMs: 500, timeoutMs: 800 })).rejects.toThrow(/^screen did not stay still for 500 ms within 800 ms \(\d+ changes, the last \d+ ms ago\)$/);
  });

  it('waitChange resolves when the desktop clock ticks, inside the clock', async () => {
    const s = await open('desktop');
    const c = await s.waitChange(null, { timeoutMs: 3000, area: CLOCK_BOX });
    expect(c.rects.length).toBeGreaterThan(0);
    for (const r of c.rects) {
      expect(r.x + r.w > CLOCK_BOX.x && r.x < CLOCK_BOX.x + CLOCK_BOX.w && r.y + r.h > CLOCK_BOX.y && r.y < CLOCK_BOX.y + CLOCK_BOX.h).toBe(true);
    }
  });

  it('waitChange runs its action first and reports what it changed; an idle screen times out', async () => {
    const s = await open('idle');
    const c = await s.waitChange(() => new Fb32(app!.mem, 1024, 768).fillRect(16, 700, 8, 8, 0x00ff00));
    const covers = c.rects.some((r) => r.x <= 16 && r.x + r.w >= 24 && r.y <= 700 && r.y + r.h >= 708);
    expect(covers).toBe(true);
    await expect(s.waitChange(null, { timeoutMs: 300 })).rejects.toThrow('screen did not change within 300 ms');
  });

  it('a repaint with identical pixels is not a change', async () => {
    const s = await open('idle');
    const changes = s.changes;
    // a non-incremental request: the server resends the whole, unchanged screen
    const resent = s.client.nextUpdate(5000);
    s.client.requestUpdate(false);
    const u = await resent;
    expect(u.rects.reduce((n, r) => n + r.w * r.h, 0)).toBe(1024 * 768);
    expect(s.changes).toBe(changes);
    const c = await s.waitChange(() => new Fb32(app!.mem, 1024, 768).pixel(900, 700, 0x123456));
    expect(c.rects.some((r) => r.x <= 900 && r.x + r.w > 900 && r.y <= 700 && r.y + r.h > 700)).toBe(true);
    expect(s.changes).toBe(changes + 1);
  });

  it('typeText sends keysyms, with Shift around shifted characters', async () => {
    const s = await open('idle');
    const got = inputEvents(app!, 12);
    await s.typeText('Hi!\n');
    const keys = (await got).map((e) => (e.kind === 'key' ? `${e.down ? '+' : '-'}${e.keysym.toString(16)}` : '?'));
    expect(keys).toEqual(['+ffe1', '+48', '-48', '-ffe1', '+69', '-69', '+ffe1', '+21', '-21', '-ffe1', '+ff0d', '-ff0d']);
  });

  it("sendKey('ctrl-alt-delete') presses in order and releases in reverse", async () => {
    const s = await open('idle');
    const got = inputEvents(app!, 6);
    s.sendKey('ctrl-alt-delete');
    const keys = (await got).map((e) => (e.kind === 'key' ? `${e.down ? '+' : '-'}${e.keysym.toString(16)}` : '?'));
    expect(keys).toEqual(['+ffe3', '+ffe9', '+ffff', '-ffff', '-ffe9', '-ffe3']);
  });

  it('mouseMove, click and drag send pointer events with the button masks', async () => {
    const s = await open('idle');
    const got = inputEvents(app!, 9);
    s.mouseMove(5, 6);
    s.click(100, 200, { button: 'right' });
    s.drag({ x: 10, y: 10 }, { x: 30, y: 50 }, { steps: 2 });
    const ev = (await got).map((e) => (e.kind === 'pointer' ? [e.buttonMask, e.x, e.y] : []));
    expect(ev).toEqual([
      [0, 5, 6],
      [0, 100, 200],
      [4, 100, 200],
      [0, 100, 200],
      [0, 10, 10],
      [1, 10, 10],
      [1, 20, 30],
      [1, 30, 50],
      [0, 30, 50],
    ]);
  });

  it('the vitest matcher toMatchNeedle works on a screen and on a picture', async () => {
    const s = await open('idle');
    const needle = loadNeedle('fixtures/needles/vramvnc/idle-title.json');
    await expect(s).toMatchNeedle(needle);
    await expect(s).not.toMatchNeedle(doctor(needle, { x: 61, y: 61, w: 60, h: 22 }, 0x000000));
    expect(s.screenshot()).toMatchNeedle(needle);
    await expect(expect(s).toMatchNeedle(doctor(needle, { x: 61, y: 61, w: 60, h: 22 }, 0x000000), { timeoutMs: 200, outDir: outDir() })).rejects.toThrow(
      /expected the screen to match 'idle-title-doctored' within 200 ms; best candidate 'idle-title-doctored' .* pixels differ\); see .*idle-title-doctored\.diff\.png/,
    );
  });

  it('rejects waiting on a screen whose server goes away', async () => {
    const s = await open('idle');
    const pending = expect(s.waitChange(null, { timeoutMs: 5000 })).rejects.toThrow(/^connection closed while waiting for a change/);
    await app!.stop();
    await pending;
  });
});

describe('the terminal guest (the README example against vramvnc)', () => {
  it('types a command and finds its echo with a needle, wherever the scrolling console has moved it', async () => {
    const s = await open('terminal');
    await s.typeText('echo hi\n');
    const m = await s.assertScreen('fixtures/needles/vramvnc/terminal-echo-hi.json', { timeoutMs: 5000 });
    expect(m.ok).toBe(true);
    expect(m.similarity).toBe(1);
    expect(m.areas[0]!.x).toBe(0);
  });

  it('does not find the echo of a command that was not typed', async () => {
    const s = await open('terminal');
    await s.typeText('echo ho\n');
    const err = await s.assertScreen('fixtures/needles/vramvnc/terminal-echo-hi.json', { timeoutMs: 1500, outDir: outDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScreenMatchError);
    expect((err as Error).message).toMatch(/^no needle matched within 1500 ms: best candidate 'terminal-echo-hi'/);
  });
});
