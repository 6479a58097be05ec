// The protocol features noVNC 1.7 uses, with the real noVNC library in Chromium (served on its own
// behind Debian's websockify): ExtendedClipboard both ways in UTF-8, QEMU LED state, ExtendedMouseButtons
// (back/forward); and the viewer's paste-as-keystrokes (the server types the text into the guest).
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { terminalGuest } from '../../src/guest/vga-programs.js';
import { DEFAULT_WEB_SECURITY } from '../../src/transport/web-security.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { sleep, startApp } from '../helpers/app.js';
import { waitForRow } from '../helpers/terminal.js';
import { openBrowser, screenPoint, type Browser } from './chromium.js';
import { openNovncPage, type NovncPage } from './novnc-page.js';

let app: VramVnc | null = null;
let page: NovncPage | null = null;
let browser: Browser | null = null;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') console.log([...(page?.browser.console ?? []), ...(browser?.console ?? [])].join('\n'));
  await page?.close();
  page = null;
  await browser?.close();
  browser = null;
  await app?.stop();
  app = null;
});

async function novnc(): Promise<{ a: VramVnc; p: NovncPage }> {
  app = await startApp(idleGuest);
  page = await openNovncPage(Number(/:(\d+)$/.exec(app.vncUrl!)![1]));
  await page.connect(null);
  return { a: app, p: page };
}

describe('noVNC 1.7 extensions against the TCP port', () => {
  it('ExtendedClipboard: text the user pastes reaches the guest in full Unicode; the guest\'s reaches noVNC', async () => {
    const { a, p } = await novnc();
    const session = () => [...a.rfb.sessions][0]!;
    // noVNC's 'connect' fires on ServerInit; its SetEncodings may still be on the wire
    for (let i = 0; i < 250 && !session().encodings.includes(0xc0a1e5ce | 0); i++) await sleep(20);
    expect(session().encodings).toContain(0xc0a1e5ce | 0);
    // noVNC answers our caps with its own; only then does it use notify
    await p.browser.page.waitForFunction(() => Object.keys((window as any).rfb._clipboardServerCapabilitiesActions ?? {}).length > 0);
    await p.browser.page.evaluate(() => (window as any).rfb.clipboardPasteFrom('grüße ✓\nzweite Zeile'));
    for (let i = 0; i < 100 && a.input.clipboard !== 'grüße ✓\nzweite Zeile'; i++) await sleep(20);
    expect(a.input.clipboard).toBe('grüße ✓\nzweite Zeile'); // plain ClientCutText (Latin-1) would have lost the ✓
    a.input.setGuestClipboard('from the guest: ✓ ok\nline 2');
    await p.browser.page.waitForFunction(() => ((window as any).novncEvents as string[]).some((e) => e.startsWith('clipboard ')));
    expect((await p.events()).filter((e) => e.startsWith('clipboard '))).toEqual(['clipboard from the guest: ✓ ok\nline 2']);
  });

  it("QEMU LED state: noVNC learns the guest keyboard's Caps and Num Lock", async () => {
    const { a, p } = await novnc();
    const locks = () => p.browser.page.evaluate(() => ({ caps: (window as any).rfb._remoteCapsLock, num: (window as any).rfb._remoteNumLock }));
    await p.browser.page.waitForFunction(() => (window as any).rfb._remoteCapsLock === false);
    a.kbc.writeData(0xed); // the guest sets the LEDs: Caps Lock on
    a.kbc.writeData(0x04);
    await p.browser.page.waitForFunction(() => (window as any).rfb._remoteCapsLock === true);
    expect(await locks()).toEqual({ caps: true, num: false });
    a.kbc.writeData(0xed);
    a.kbc.writeData(0x02); // Num Lock only
    await p.browser.page.waitForFunction(() => (window as any).rfb._remoteNumLock === true);
    expect(await locks()).toEqual({ caps: false, num: true });
  });

  it('ExtendedMouseButtons: the browser\'s back and forward buttons reach the guest input', async () => {
    const { a, p } = await novnc();
    await p.browser.page.waitForFunction(() => (window as any).rfb._extendedPointerEventSupported === true);
    const masks: number[] = [];
    a.input.onEvent((e) => e.kind === 'pointer' && masks.push(e.buttonMask));
    const at = await screenPoint(p.browser.page, 300, 200);
    const cdp = await p.browser.context.newCDPSession(p.browser.page);
    const mouse = (type: string, button: string, buttons: number) => cdp.send('Input.dispatchMouseEvent', { type, x: at.x, y: at.y, button, buttons, clickCount: 1 } as never);
    await mouse('mouseMoved', 'none', 0);
    await mouse('mousePressed', 'back', 8);
    await mouse('mouseReleased', 'back', 0);
    await mouse('mousePressed', 'forward', 16);
    await mouse('mouseReleased', 'forward', 0);
    for (let i = 0; i < 250 && !(masks.includes(0x100) && masks.at(-1) === 0); i++) await sleep(20);
    expect(masks).toContain(0x80); // back: bit 7
    expect(masks).toContain(0x100); // forward: bit 8
    expect(masks.at(-1)).toBe(0);
  });
});

describe("the viewer's paste as keystrokes", () => {
  it('types the clipboard panel\'s text into the terminal guest (which has no clipboard), with the password', async () => {
    app = await startApp(terminalGuest, {
      rfb: { security: new SecurityPolicy({ password: Buffer.from('pw-type'), failureDelayMs: 50 }) },
      webSecurity: { ...DEFAULT_WEB_SECURITY, password: Buffer.from('pw-type') },
    });
    browser = await openBrowser();
    await browser.page.goto(`${app.webUrl}?password=pw-type`);
    await browser.page.waitForFunction(() => (window as any).viewer?.connected === true);
    await browser.page.click('#clipboard-toggle');
    await browser.page.fill('#clipboard', 'echo "pasted: $HOME" & ~ok\nsecond line\n');
    await browser.page.click('#clipboard-type');
    await waitForRow(app, '> echo "pasted: $HOME" & ~ok');
    await waitForRow(app, '> second line');
    await browser.page.waitForFunction(() => document.getElementById('clipboard-status')!.textContent === 'typed 39 characters');
  });

  it('POST /type refuses another origin, a missing password and too much text', async () => {
    app = await startApp(terminalGuest, { webSecurity: { ...DEFAULT_WEB_SECURITY, password: Buffer.from('pw') } });
    const auth = `Basic ${Buffer.from(':pw').toString('base64')}`;
    const post = (body: string, headers: Record<string, string>) => fetch(`${app!.webUrl}type`, { method: 'POST', body, headers });
    expect((await post('x', { origin: 'http://evil.example', authorization: auth })).status).toBe(403);
    expect((await post('x', {})).status).toBe(401);
    expect((await post('x'.repeat(4097), { authorization: auth })).status).toBe(413);
    const ok = await post('hé', { authorization: auth });
    expect(await ok.json()).toEqual({ typed: 1, skipped: 1 });
    expect((await fetch(`${app.webUrl}type`, { headers: { authorization: auth } })).status).toBe(405);
  });
});
