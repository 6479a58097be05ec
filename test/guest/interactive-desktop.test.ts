import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { interactiveDesktop } from '../../src/guest/interactive-desktop.js';
import { clientImage, connect, countDiff, fetchScreenshot, startApp } from '../helpers/app.js';
import type { RfbClient } from '../../client/headless/rfb-client.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

const XK_Shift_L = 0xffe1;
const XK_Return = 0xff0d;

function type(c: RfbClient, text: string): void {
  for (const ch of text) {
    const shifted = /[A-Z!@#$%^&*()_+{}|:"~<>?]/.test(ch);
    if (shifted) c.keyEvent(true, XK_Shift_L);
    c.keyEvent(true, ch.charCodeAt(0));
    c.keyEvent(false, ch.charCodeAt(0));
    if (shifted) c.keyEvent(false, XK_Shift_L);
  }
}

/** Wait until the client's picture is the server's ground truth again. */
async function converge(c: RfbClient, a: VramVnc): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const diff = countDiff(clientImage(c), await fetchScreenshot(a));
    if (diff === 0) return 0;
    await c.nextUpdate(500).catch(() => {}); // an update is on its way, or there is none to wait for
  }
  return countDiff(clientImage(c), await fetchScreenshot(a));
}

describe('the interactive desktop guest (over the i8042)', () => {
  it('types keys into its text box, reading scancodes from ports 0x60/0x64', async () => {
    const guest = interactiveDesktop({ clock: false });
    app = await startApp(guest);
    const c = await connect(app);
    await c.waitFirstFrame();
    type(c, 'Hello 42');
    await c.waitUntil(() => guest.state.text === 'Hello 42');
    expect(await converge(c, app)).toBe(0);
    c.keyEvent(true, 0xff08); // BackSpace
    c.keyEvent(false, 0xff08);
    await c.waitUntil(() => guest.state.text === 'Hello 4');
    c.close();
  });

  it('follows the pointer and drags its window by the title bar', async () => {
    const guest = interactiveDesktop({ clock: false });
    app = await startApp(guest);
    const c = await connect(app);
    await c.waitFirstFrame();
    const w0 = { ...guest.state.window };
    const grab = { x: w0.x + 100, y: w0.y + 10 };
    c.pointerEvent(0, grab.x, grab.y);
    await c.waitUntil(() => guest.state.pointer.x === grab.x && guest.state.pointer.y === grab.y);
    c.pointerEvent(1, grab.x, grab.y);
    c.pointerEvent(1, grab.x - 300, grab.y - 200);
    c.pointerEvent(1, grab.x - 400, grab.y - 250);
    c.pointerEvent(0, grab.x - 400, grab.y - 250);
    await c.waitUntil(() => guest.state.pointer.buttons === 0 && guest.state.window.x === w0.x - 400);
    expect(guest.state.window).toMatchObject({ x: w0.x - 400, y: w0.y - 250 });
    expect(await converge(c, app)).toBe(0);
    c.close();
  });

  it('sends its clipboard as ServerCutText on Enter and shows ClientCutText', async () => {
    const guest = interactiveDesktop({ clock: false });
    app = await startApp(guest);
    const c = await connect(app);
    await c.waitFirstFrame();
    const got = new Promise<string>((resolve) => c.once('cuttext', resolve));
    type(c, 'COPY ME');
    c.keyEvent(true, XK_Return);
    c.keyEvent(false, XK_Return);
    expect(await got).toBe('COPY ME');
    c.cutText('FROM VIEWER');
    await c.waitUntil(() => app!.input.clipboard === 'FROM VIEWER');
    expect(await converge(c, app)).toBe(0);
    c.close();
  });
});
