// Real VNC viewers from Debian against vramvnc: TigerVNC's vncviewer under Xvfb (its window
// captured with xwd) and gtk-vnc's gvnccapture (a PNG); each must show exactly /screenshot.png.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import type { GuestProgram } from '../../src/guest/guest.js';
import { desktopGuest, idleGuest, imageGuest, randomGuest } from '../../src/guest/programs.js';
import { biosGuest, mode13Guest, planarGuest, terminalGuest } from '../../src/guest/vga-programs.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import type { TightEncoder } from '../../src/rfb/encodings/tight.js';
import { countDiff, fetchScreenshot, startApp, toPng, type Rgba } from '../helpers/app.js';
import { bestOffset, diffAt, errorStats, findInside, run, Xvfb } from './x11.js';

let app: VramVnc | null = null;
let xvfb: Xvfb | null = null;
let viewer: ChildProcess | null = null;
afterEach(async () => {
  if (viewer && viewer.exitCode === null) viewer.kill('SIGTERM');
  viewer = null;
  xvfb?.stop();
  xvfb = null;
  await app?.stop();
  app = null;
});

function port(a: VramVnc): number {
  return Number(new URL(a.vncUrl!.replace('vnc://', 'http://')).port);
}

const OUT = path.resolve('test-output');

function save(name: string, img: Rgba): void {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, name), toPng(img));
}

/**
 * Poll until the viewer's screen contains the guest's screenshot exactly, as it was at some moment of
 * the capture: screenshots are taken all the while xwd runs, and one before and one after. A text
 * cursor toggles every ~114 ms, and xwd and a screenshot take about as long each (100-250 ms measured
 * here, more under load): with one screenshot before the capture, every try of the minute could land a
 * toggle away (the terminal case failed so, its cursor the only difference, in 4 of 5 runs of the
 * TigerVNC cases one after another, and again with one before and one after in a full `npm test`).
 */
async function tigerShows(a: VramVnc, x: Xvfb, label: string, out: { log: string }): Promise<boolean> {
  const deadline = Date.now() + 60_000; // xwd and the search are slow on a busy 2-core machine
  let last: Rgba | null = null;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const { result: shown, shots } = await withScreenshots(a, () => x.screenshot());
    last = shown;
    if (showsOneOf(shown, shots)) {
      save(`tigervnc-${label}.png`, shown); // what the viewer showed, for a look
      return true;
    }
    if (viewer?.exitCode !== null) break;
  }
  if (last) save(`tigervnc-${label}.actual.png`, last);
  save(`tigervnc-${label}.expected.png`, await fetchScreenshot(a));
  process.stderr.write(`vncviewer output:\n${out.log}\n`);
  return false;
}

/**
 * Run `capture` with screenshots all the while: one before, as many as fit while it runs, one after. A
 * capture of a screen that changes (a clock, a text cursor toggling every ~114 ms) must equal the screen
 * at some moment of it, and a screenshot takes about as long as a toggle.
 */
async function withScreenshots<T>(a: VramVnc, capture: () => Promise<T>): Promise<{ result: T; shots: PNG[] }> {
  const shots = [await fetchScreenshot(a)];
  let done = false;
  const running = capture().finally(() => (done = true));
  while (!done) shots.push(await fetchScreenshot(a));
  const result = await running;
  shots.push(await fetchScreenshot(a));
  return { result, shots };
}

/**
 * Whether one of `shots` appears exactly inside `outer`. The viewer's window sits near the top left:
 * the first shot whose sample of pixels matches there gives its place, where every shot is compared
 * whole (a full search that fails takes seconds on a 1280x1024 screen). Only when none matches near
 * there is the last one searched for everywhere (a window placed elsewhere).
 */
function showsOneOf(outer: Rgba, shots: Rgba[]): boolean {
  for (const shot of shots) {
    const near = bestOffset(outer, shot);
    if (near.meanError < 1) return shots.some((s) => diffAt(outer, s, near.x, near.y) === 0);
  }
  return findInside(outer, shots.at(-1)!) !== null;
}

/** The photo fixture as a guest (an image guest), and the random guest stopped after 300 ms. */
const photoGuest = () => imageGuest(path.resolve('fixtures/frames/photo.png'));
/** The text fixture (words in several colours): Tight sends its lines as one-bit layers with words drawn over them. */
const textGuest = () => imageGuest(path.resolve('fixtures/frames/text.png'));
const RANDOM_STOPS = { durationMs: 300 };

const tigerCases: { label: string; guest: () => GuestProgram; args: string[]; encoding: number; opts?: object; layers?: true }[] = [
  // AutoSelect: Tight with QualityLevel 8, continuous updates and fences
  { label: 'idle-auto', guest: () => idleGuest, args: [], encoding: EncodingType.Tight },
  { label: 'desktop-auto', guest: () => desktopGuest, args: [], encoding: EncodingType.Tight },
  { label: 'random-auto', guest: () => randomGuest, args: [], encoding: EncodingType.Tight, opts: RANDOM_STOPS },
  // a photo is JPEG at TigerVNC's default quality: exact only without JPEG
  { label: 'photo-nojpeg', guest: photoGuest, args: ['-NoJPEG=1'], encoding: EncodingType.Tight },
  { label: 'text-auto', guest: textGuest, args: [], encoding: EncodingType.Tight, layers: true },
  { label: 'desktop-zrle', guest: () => desktopGuest, args: ['-AutoSelect=0', '-PreferredEncoding=ZRLE'], encoding: EncodingType.ZRLE },
  { label: 'idle-hextile', guest: () => idleGuest, args: ['-AutoSelect=0', '-PreferredEncoding=Hextile'], encoding: EncodingType.Hextile },
  { label: 'idle-raw', guest: () => idleGuest, args: ['-AutoSelect=0', '-PreferredEncoding=Raw'], encoding: EncodingType.Raw },
  // the VGA guests: text mode with a blinking cursor, mode 13h's palette animation, mode 12h planar
  { label: 'bios-auto', guest: () => biosGuest, args: [], encoding: EncodingType.Tight },
  { label: 'terminal-auto', guest: () => terminalGuest, args: [], encoding: EncodingType.Tight, opts: { durationMs: 1500 } },
  { label: 'mode13-auto', guest: () => mode13Guest, args: [], encoding: EncodingType.Tight, opts: { durationMs: 300 } },
  { label: 'planar-zrle', guest: () => planarGuest, args: ['-AutoSelect=0', '-PreferredEncoding=ZRLE'], encoding: EncodingType.ZRLE, opts: { durationMs: 300 } },
];

describe("TigerVNC's vncviewer under Xvfb", () => {
  for (const c of tigerCases) {
    it(`${c.label}: its window shows exactly /screenshot.png`, async () => {
      app = await startApp(c.guest(), c.opts);
      xvfb = new Xvfb();
      await xvfb.start(1280, 1024);
      const out = { log: '' };
      viewer = spawn('vncviewer', [`127.0.0.1::${port(app)}`, '-Shared=1', '-RemoteResize=0', '-AlertOnFatalError=0', ...c.args], {
        env: xvfb.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      viewer.stdout!.on('data', (d) => (out.log += d));
      viewer.stderr!.on('data', (d) => (out.log += d));
      expect(await tigerShows(app, xvfb, c.label, out)).toBe(true);
      expect(app.rfb.sessions.size).toBe(1);
      const session = [...app.rfb.sessions][0]!;
      expect(session.encoders.counters.byEncoding.get(c.encoding) ?? 0, `rectangles by encoding: ${[...session.encoders.counters.byEncoding]}`).toBeGreaterThan(0);
      if (c.layers) expect((session.encoders.encoder(EncodingType.Tight) as TightEncoder).counters.layer).toBeGreaterThan(0);
    }, 90_000);
  }
});

describe("TigerVNC's vncviewer with JPEG (lossy, within tolerance)", () => {
  it('photo at its default QualityLevel 8: Tight JPEG rectangles, mean error < 3, 99% of channels within 24', async () => {
    app = await startApp(photoGuest());
    xvfb = new Xvfb();
    await xvfb.start(1280, 1024);
    viewer = spawn('vncviewer', [`127.0.0.1::${port(app)}`, '-Shared=1', '-RemoteResize=0', '-AlertOnFatalError=0'], { env: xvfb.env, stdio: 'ignore' });
    const truth = await fetchScreenshot(app);
    let stats = { mean: Infinity, farShare: 1 };
    for (let i = 0; i < 60 && !(stats.mean < 3 && stats.farShare < 0.01); i++) {
      await new Promise((r) => setTimeout(r, 300));
      const shot = await xvfb.screenshot();
      const at = bestOffset(shot, truth);
      stats = errorStats(shot, truth, at.x, at.y);
      if (i === 59) save('tigervnc-photo-jpeg.actual.png', shot);
    }
    expect(stats.mean).toBeLessThan(3);
    expect(stats.farShare).toBeLessThan(0.01);
    const session = [...app.rfb.sessions][0]!;
    expect(session.encoders.params.qualityLevel).toBe(8);
    expect(session.encoders.counters.byEncoding.get(EncodingType.Tight)).toBeGreaterThan(0);
    expect((session.encoders.encoder(EncodingType.Tight) as TightEncoder).counters.jpeg).toBeGreaterThan(0);
  });
});

describe("gtk-vnc's gvnccapture", () => {
  for (const [label, guest, opts] of [
    ['idle', () => idleGuest, {}],
    ['desktop', () => desktopGuest, {}],
    ['random', () => randomGuest, RANDOM_STOPS],
    ['photo', photoGuest, {}],
    ['text', textGuest, {}],
    ['bios', () => biosGuest, {}],
    ['terminal', () => terminalGuest, { durationMs: 1500 }],
    ['mode13', () => mode13Guest, { durationMs: 300 }],
    ['planar', () => planarGuest, { durationMs: 300 }],
  ] as const) {
    it(`${label}: the PNG it writes is exactly /screenshot.png`, async () => {
      app = await startApp(guest(), opts);
      if ('durationMs' in opts) await new Promise((r) => setTimeout(r, opts.durationMs + 200)); // until the guest has stopped
      const display = port(app) - 5900; // gvnccapture takes HOST:DISPLAY, port 5900 + display
      expect(display).toBeGreaterThan(0);
      const file = path.join(os.tmpdir(), `gvnccapture-${process.pid}-${label}.png`);
      let diff = Infinity;
      // the desktop guest's clock may tick, or a text cursor blink (every ~114 ms), while the capture
      // runs: the frame must be the screen at some moment of it, so screenshots are taken all the
      // while (a screenshot before and one after can both be a blink away from the frame between:
      // when the capture takes about one toggle, always); try again if none matched
      for (let attempt = 0; attempt < 10 && diff !== 0; attempt++) {
        const { result: r, shots } = await withScreenshots(app, () => run('gvnccapture', ['--quiet', `127.0.0.1:${display}`, file]));
        expect(r.code, r.out).toBe(0);
        const png = PNG.sync.read(fs.readFileSync(file));
        diff = Math.min(...shots.map((shot) => countDiff(png, shot)));
        if (diff !== 0 && attempt === 9) save(`gvnccapture-${label}.actual.png`, png);
      }
      fs.rmSync(file, { force: true });
      expect(diff).toBe(0);
    });
  }
});
