import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { Fb32, setVbeMode, type GuestProgram } from '../../src/guest/guest.js';
import { idleGuest } from '../../src/guest/programs.js';
import { LFB_BASE } from '../../src/hypervisor/memory.js';
import { interactiveDesktop } from '../../src/guest/interactive-desktop.js';
import { terminalGuest } from '../../src/guest/vga-programs.js';
import { countDiff, fetchScreenshot, sleep, startApp, type Rgba } from '../helpers/app.js';
import { openBrowser, readCanvas, screenPoint, type Browser } from './chromium.js';

let app: VramVnc | null = null;
let browser: Browser | null = null;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && browser) console.log(browser.console.join('\n'));
  await browser?.close();
  browser = null;
  await app?.stop();
  app = null;
});

/** Open the viewer and wait until noVNC is connected and its canvas has the guest's size. */
async function openViewer(a: VramVnc, query = '?lossless=1'): Promise<Browser> {
  const b = await openBrowser();
  await b.page.goto(`${a.webUrl}${query}`);
  const size = { w: a.device.surface.width, h: a.device.surface.height };
  await b.page.waitForFunction(({ w, h }) => {
    const v = (window as any).viewer;
    const c = document.querySelector('#screen canvas') as HTMLCanvasElement | null;
    return v?.connected && c && c.width === w && c.height === h;
  }, size);
  // the canvas has its size from ServerInit; wait for the first update to be drawn on it
  await b.page.waitForFunction(() => {
    const c = document.querySelector('#screen canvas') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4 * 997) if (d[i] || d[i + 1] || d[i + 2]) return true;
    return false;
  });
  return b;
}

/** Read the canvas until it equals /screenshot.png; returns the last difference (0 = identical). */
async function canvasMatches(b: Browser, a: VramVnc, tries = 50): Promise<{ diff: number; canvas: Rgba }> {
  let diff = Infinity;
  let canvas: Rgba = { width: 0, height: 0, data: new Uint8Array() };
  for (let i = 0; i < tries; i++) {
    canvas = await readCanvas(b.page);
    diff = countDiff(canvas, await fetchScreenshot(a));
    if (diff === 0) break;
    await sleep(100); // noVNC draws on animation frames; updates may still be arriving
  }
  return { diff, canvas };
}

describe('the noVNC viewer in Chromium', () => {
  it('shows the guest screen pixel-exactly as /screenshot.png, with the encoding in the status line', async () => {
    app = await startApp(idleGuest);
    browser = await openViewer(app);
    const { diff } = await canvasMatches(browser, app);
    expect(diff).toBe(0);
    const stats = (await (await fetch(`${app.webUrl}stats`)).json()) as { clients: { address: string; encoding: string }[] };
    const ws = stats.clients.filter((c) => c.address.startsWith('ws://'));
    expect(ws.length).toBe(1);
    await browser.page.waitForFunction((enc) => document.getElementById('status')!.textContent!.includes(`encoding ${enc}`), ws[0]!.encoding);
  });

  it('asks for lossless pictures with ?lossless=1 (no QualityLevel pseudo-encoding) and for quality 9 without', async () => {
    app = await startApp(idleGuest);
    const quality = (e: number) => e >= -32 && e <= -23;
    browser = await openViewer(app);
    const lossless = [...app.rfb.sessions][0]!;
    for (let i = 0; i < 100 && lossless.encodings.length === 0; i++) await sleep(50);
    expect(lossless.encodings.length).toBeGreaterThan(0);
    expect(lossless.encodings.filter(quality)).toEqual([]);
    await browser.close();
    browser = await openViewer(app, '');
    const normal = [...app.rfb.sessions].find((s) => s !== lossless)!;
    for (let i = 0; i < 100 && normal.encodings.length === 0; i++) await sleep(50);
    expect(normal.encodings.filter(quality)).toEqual([-23]); // QualityLevel 9
  });

  it('types into the desktop guest text box and shows the text', async () => {
    const guest = interactiveDesktop({ clock: false });
    app = await startApp(guest);
    browser = await openViewer(app);
    const box = guest.state.textBox;
    const p = await screenPoint(browser.page, box.x + 20, box.y + 10);
    await browser.page.mouse.click(p.x, p.y);
    // scaled to the window, the click still lands on the pixel aimed at (to within rounding)
    const near = () => Math.abs(guest.state.pointer.x - (box.x + 20)) <= 1 && Math.abs(guest.state.pointer.y - (box.y + 10)) <= 1;
    for (let i = 0; i < 100 && !near(); i++) await sleep(50);
    expect(Math.abs(guest.state.pointer.x - (box.x + 20))).toBeLessThanOrEqual(1);
    expect(Math.abs(guest.state.pointer.y - (box.y + 10))).toBeLessThanOrEqual(1);
    // (keyboard.type('H') would send no Shift press; the guest sees scancodes, as a real guest does)
    await browser.page.keyboard.type('hello');
    await browser.page.keyboard.press('Shift+Digit1');
    await browser.page.keyboard.type(' 42');
    for (let i = 0; i < 100 && guest.state.text !== 'hello! 42'; i++) await sleep(50);
    expect(guest.state.text).toBe('hello! 42');
    // noVNC saw the server confirm QEMU Extended Key Event and sent keycodes (scancodes) with the keysyms
    expect(app.input.events.some((e) => e.kind === 'key' && e.keycode === 0x23)).toBe(true); // KeyH
    const { diff, canvas } = await canvasMatches(browser, app);
    expect(diff).toBe(0);
    // the text box on the canvas now holds dark glyph pixels where it was all white before
    let dark = 0;
    for (let y = box.y + 6; y < box.y + box.h - 6; y++) {
      for (let x = box.x + 6; x < box.x + 200; x++) {
        const i = (y * canvas.width + x) * 4;
        if (canvas.data[i]! < 64 && canvas.data[i + 1]! < 64 && canvas.data[i + 2]! < 64) dark++;
      }
    }
    expect(dark).toBeGreaterThan(100);
  });

  it('types into the terminal guest (text mode, reading the i8042) and the echo appears on the canvas', async () => {
    app = await startApp(terminalGuest);
    browser = await openViewer(app);
    const page = browser.page;
    const rows = () => Array.from({ length: 25 }, (_, r) => {
      let t = '';
      for (let c = 0; c < 80; c++) t += String.fromCharCode(app!.mem.vram[(r * 80 + c) * 4]!); // plane 0: characters
      return t.trimEnd();
    });
    const p = await screenPoint(page, 360, 200);
    await page.mouse.click(p.x, p.y);
    await page.keyboard.type('echo 42');
    for (let i = 0; i < 100 && !rows().includes('$ echo 42'); i++) await sleep(50);
    expect(rows()).toContain('$ echo 42');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 100 && !rows().includes('> echo 42'); i++) await sleep(50);
    expect(rows()).toContain('> echo 42');
    // Playwright types 'H' and '!' as keysyms without a Shift press; the server presses Shift for them
    await page.keyboard.type('Hello World! @#$%^&*()_+{}|:"<>?~');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 100 && !rows().includes('> Hello World! @#$%^&*()_+{}|:"<>?~'); i++) await sleep(50);
    expect(rows()).toContain('> Hello World! @#$%^&*()_+{}|:"<>?~');
    // the console keeps printing and its cursor blinks: retry until one frame matches exactly
    const { diff } = await canvasMatches(browser, app, 100);
    expect(diff).toBe(0);
  });

  it('clicks and drags the desktop guest window, unscaled', async () => {
    const guest = interactiveDesktop({ clock: false });
    app = await startApp(guest);
    browser = await openViewer(app);
    await browser.page.uncheck('#scale');
    const w0 = { ...guest.state.window };
    const from = await screenPoint(browser.page, w0.x + 50, w0.y + 8);
    const to = await screenPoint(browser.page, w0.x + 50 - 333, w0.y + 8 - 222);
    await browser.page.mouse.move(from.x, from.y);
    await browser.page.mouse.down();
    await browser.page.mouse.move(to.x, to.y, { steps: 12 });
    await browser.page.mouse.up();
    for (let i = 0; i < 100 && (guest.state.window.x !== w0.x - 333 || guest.state.pointer.buttons !== 0); i++) await sleep(50);
    expect(guest.state.window).toMatchObject({ x: w0.x - 333, y: w0.y - 222 });
    const { diff } = await canvasMatches(browser, app);
    expect(diff).toBe(0);
  });

  it('colours the heat map cells of the pages the guest keeps dirtying', async () => {
    // 1024x768x32: 768 pages of 4 KiB, 1 page = one 1024-pixel row. Dirty rows 100..109 and 500 every 200 ms.
    const hot = [...Array.from({ length: 10 }, (_, i) => 100 + i), 500];
    const guest: GuestProgram = {
      name: 'heat-pattern',
      start(ctx) {
        setVbeMode(ctx.io, 1024, 768, 32);
        const fb = new Fb32(ctx.mem, 1024, 768);
        fb.fillRect(0, 0, 1024, 768, 0x202020);
        let n = 0;
        ctx.setInterval(() => {
          n++;
          for (const row of hot) fb.fillRect(0, row, 1024, 1, n & 1 ? 0xff0000 : 0x00ff00);
        }, 200);
      },
    };
    app = await startApp(guest);
    browser = await openViewer(app);
    const page = browser.page;
    await page.waitForFunction(() => ((window as any).viewer.statsEvents ?? 0) >= 3);
    const cells = await page.evaluate((pages) => {
      const v = (window as any).viewer;
      const c = document.getElementById('heat') as HTMLCanvasElement;
      const g = c.getContext('2d')!;
      const { cols, cell } = v.heat;
      return pages.map((p: number) => {
        const d = g.getImageData((p % cols) * cell + 1, Math.floor(p / cols) * cell + 1, 1, 1).data;
        return [d[0], d[1], d[2]];
      });
    }, [...hot, 0, 99, 110, 499, 501, 767]);
    const red = [0xff, 0x3b, 0x30]; // dirtied within the last second
    const never = [0x2a, 0x2f, 0x36];
    expect(cells.slice(0, hot.length)).toEqual(hot.map(() => red));
    expect(cells.slice(hot.length)).toEqual([never, never, never, never, never, never]);
    const state = await page.textContent('#tracking-state');
    expect(state).toBe('tracking');
  });

  it('carries the clipboard both ways, sends Ctrl-Alt-Del, honours view-only, disconnects and reconnects', async () => {
    const guest = interactiveDesktop({ clock: false });
    app = await startApp(guest);
    browser = await openViewer(app);
    const page = browser.page;
    const box = guest.state.textBox;
    const p = await screenPoint(page, box.x + 20, box.y + 10);
    await page.mouse.click(p.x, p.y);
    await page.keyboard.type('abc');
    await page.keyboard.press('Enter'); // the guest copies its text: ServerCutText
    await page.click('#clipboard-toggle');
    await page.waitForFunction(() => (document.getElementById('clipboard') as HTMLTextAreaElement).value === 'abc');
    await page.fill('#clipboard', 'pasted from the viewer');
    await page.click('#clipboard-send'); // ClientCutText
    for (let i = 0; i < 100 && app.input.clipboard !== 'pasted from the viewer'; i++) await sleep(50);
    expect(app.input.clipboard).toBe('pasted from the viewer');
    await page.click('#cad');
    for (let i = 0; i < 100 && guest.state.text !== ''; i++) await sleep(50);
    expect(guest.state.status).toBe('CTRL-ALT-DEL: TEXT CLEARED');
    // view-only: keys and pointer stay in the browser
    await page.check('#viewonly');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('view only'));
    const keysBefore = app.input.counters.keys;
    await page.mouse.click(p.x, p.y);
    await page.keyboard.type('xyz');
    await page.uncheck('#viewonly');
    await page.keyboard.type('q');
    for (let i = 0; i < 100 && guest.state.text !== 'q'; i++) await sleep(50);
    expect(guest.state.text).toBe('q');
    // the key-up may still be on its way when the text shows: wait for it, then count exactly
    for (let i = 0; i < 100 && app.input.counters.keys < keysBefore + 2; i++) await sleep(20);
    await sleep(100);
    expect(app.input.counters.keys).toBe(keysBefore + 2); // q down and up only
    await page.click('#connect');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'disconnected');
    for (let i = 0; i < 100 && app.rfb.sessions.size !== 0; i++) await sleep(50);
    expect(app.rfb.sessions.size).toBe(0);
    await page.click('#connect');
    await page.waitForFunction(() => (window as any).viewer.connected);
    const { diff } = await canvasMatches(browser, app);
    expect(diff).toBe(0);
  });

  it('shows the tracker dropping after idle time and re-arming on the next guest write', async () => {
    app = await startApp(idleGuest, { idleDropMs: 300 });
    browser = await openViewer(app);
    const page = browser.page;
    await page.waitForFunction(() => document.getElementById('tracking-state')!.textContent === 'dropped');
    expect(await page.textContent('#last-drop')).not.toBe('never');
    expect(await page.textContent('#last-rearm')).toBe('never');
    app.mem.store32(LFB_BASE + 4096 * 7, 0x00ff00); // the guest writes: a fault, tracking comes back
    await page.waitForFunction(() => document.getElementById('last-rearm')!.textContent !== 'never');
    const { diff } = await canvasMatches(browser, app);
    expect(diff).toBe(0);
  });
});

describe('the viewer against a password-protected server', () => {
  it('authenticates with VNC Authentication (the password from ?password= or a prompt) and shows the screen', async () => {
    const { SecurityPolicy } = await import('../../src/rfb/security/policy.js');
    app = await startApp(idleGuest, { rfb: { security: new SecurityPolicy({ password: Buffer.from('pw123'), anonymousTls: false, failureDelayMs: 100 }) } });
    browser = await openViewer(app, '?lossless=1&password=pw123');
    const { diff } = await canvasMatches(browser, app);
    expect(diff).toBe(0);
    const s = [...app.rfb.sessions][0]!;
    expect(s.state).toBe('Normal');
  });

  it('a wrong password reads "authentication failed (wrong password?)" in the status line, said once', async () => {
    const { SecurityPolicy } = await import('../../src/rfb/security/policy.js');
    app = await startApp(idleGuest, { rfb: { security: new SecurityPolicy({ password: Buffer.from('pw123'), failureDelayMs: 50 }) } });
    browser = await openBrowser();
    await browser.page.goto(`${app.webUrl}?password=nope`);
    await browser.page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('authentication failed'));
    expect(await browser.page.textContent('#status')).toBe('authentication failed (wrong password?)');
  });

  for (const [how, query] of [
    ['?password=', '?lossless=1&password=pw123'],
    ['the prompt', '?lossless=1'],
  ] as const) {
    it(`the tracker panel works too (the stats stream sends the password from ${how})`, async () => {
      const { SecurityPolicy } = await import('../../src/rfb/security/policy.js');
      const { DEFAULT_WEB_SECURITY } = await import('../../src/transport/web-security.js');
      app = await startApp(idleGuest, {
        rfb: { security: new SecurityPolicy({ password: Buffer.from('pw123'), failureDelayMs: 100 }) },
        webSecurity: { ...DEFAULT_WEB_SECURITY, password: Buffer.from('pw123') },
      });
      expect((await fetch(`${app.webUrl}stats`)).status).toBe(401); // the stats do need it
      const b = await openBrowser();
      browser = b;
      b.page.on('dialog', (d) => void d.accept('pw123'));
      await b.page.goto(`${app.webUrl}${query}`);
      await b.page.waitForFunction(() => (window as any).viewer?.connected === true, null, { timeout: 8000 });
      await b.page.waitForFunction(() => ((window as any).viewer.statsEvents ?? 0) >= 2, null, { timeout: 8000 });
      expect(await b.page.textContent('#tracking-state')).toMatch(/^(tracking|dropped|scanning|off)$/);
      await b.page.waitForFunction(() => /encoding [A-Za-z]/.test(document.getElementById('status')!.textContent!));
    });
  }
});
