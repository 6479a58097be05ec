// The VGA guests end to end: a real server on loopback, the headless client, /screenshot.png.
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import type { GuestContext, GuestProgram } from '../../src/guest/guest.js';
import { biosGuest, enterCycleStep, MODE_CYCLE, mode13Guest, modesGuest, planarGuest } from '../../src/guest/vga-programs.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import { clientImage, connect, countDiff, fetchScreenshot, startApp, type Rgba } from '../helpers/app.js';
import { surfaceRgba } from '../vga/helpers.js';
import type { RfbClient } from '../../client/headless/rfb-client.js';

let app: VramVnc | null = null;
let client: RfbClient | null = null;
afterEach(async () => {
  client?.close();
  client = null;
  await app?.stop();
  app = null;
});

/** The device's ground truth now (what /screenshot.png serves), synchronously. */
const truthNow = (a: VramVnc): Rgba => surfaceRgba(a.device.screenshot());

/** Wait until the client shows exactly the current screen (blinking text converges at the next toggle). */
async function converge(c: RfbClient, a: VramVnc): Promise<void> {
  await c.waitUntil(() => {
    const t = truthNow(a);
    return c.width === t.width && c.height === t.height && countDiff(clientImage(c), t) === 0;
  });
}

/** The client equals GET /screenshot.png (retrying across blink toggles, which move both). */
async function matchesScreenshot(c: RfbClient, a: VramVnc): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    await converge(c, a);
    const png = await fetchScreenshot(a);
    if (countDiff(png, clientImage(c)) === 0) return true;
    await c.nextUpdate();
  }
  return false;
}

/** A guest that boots into nothing and lets the test drive it. */
function steerable(): { guest: GuestProgram; ctx: () => GuestContext } {
  let ctx: GuestContext | null = null;
  return {
    guest: {
      name: 'steerable',
      start(c) {
        ctx = c;
      },
    },
    ctx: () => ctx!,
  };
}

describe('VGA guests', () => {
  it('bios: the client shows the text screen pixel-exact, as /screenshot.png does', async () => {
    app = await startApp(biosGuest);
    client = await connect(app);
    await client.waitFirstFrame();
    expect([client.width, client.height]).toEqual([720, 400]);
    // the memory test counts to 65536K in about a second; wait for the final screen text in VRAM
    await client.waitUntil(() => {
      const v = app!.mem.vram;
      return String.fromCharCode(...[13, 14, 15, 16, 17, 18, 19].map((c) => v[(3 * 80 + c) * 4]!)) === '  65536';
    });
    expect(await matchesScreenshot(client, app)).toBe(true);
    // the cursor blinks: at least two more updates arrive while the screen is otherwise idle
    await client.nextUpdate();
    await client.nextUpdate();
    expect(app.tracker.state).toBe('off');
  });

  it('a client follows the modes cycle through DesktopSize and ends pixel-exact', async () => {
    const s = steerable();
    app = await startApp(s.guest);
    client = await connect(app);
    await client.waitFirstFrame();
    const sizes: string[] = [];
    for (const step of MODE_CYCLE) {
      enterCycleStep(s.ctx(), step);
      await converge(client, app);
      sizes.push(`${client.width}x${client.height}`);
    }
    expect(sizes).toEqual(['720x400', '640x400', '640x480', '800x600', '1024x768']);
    expect(await matchesScreenshot(client, app)).toBe(true);
  });

  it('the modes guest itself runs through its cycle and stops pixel-exact', async () => {
    app = await startApp(modesGuest(600));
    client = await connect(app);
    await client.waitFirstFrame();
    const seen = new Set<string>();
    await client
      .waitUntil(() => {
        seen.add(`${client!.width}x${client!.height}`);
        return seen.size === 5;
      }, 25_000)
      .catch((e: Error) => {
        throw new Error(`${e.message}; saw ${[...seen].join(', ')}; device ${app!.device.modeName}`);
      });
    app.guest.stop(); // freeze wherever the cycle is
    expect(await matchesScreenshot(client, app)).toBe(true);
    expect([...seen].sort()).toEqual(['1024x768', '640x400', '640x480', '720x400', '800x600']);
  });

  it('a client without DesktopSize is closed with a clear reason when the size really changes', async () => {
    const s = steerable();
    const lines: string[] = [];
    app = await startApp(s.guest, { log: (l) => lines.push(l) });
    enterCycleStep(s.ctx(), 'mode12'); // 640x480: the same size as the blank screen
    client = await connect(app, { encodings: [EncodingType.Raw] });
    await client.waitFirstFrame();
    await converge(client, app); // a mode change without a size change is fine
    const closed = new Promise<string>((resolve) => client!.once('close', resolve));
    enterCycleStep(s.ctx(), 'text'); // 720x400
    await closed;
    expect(lines.join('\n')).toMatch(/RFB_ERR_RESIZE_UNSUPPORTED: the guest changed its screen to 720x400 and this client does not support the DesktopSize pseudo-encoding/);
  });

  it('mode13: palette animation reaches the client with no VRAM write', async () => {
    app = await startApp(mode13Guest);
    client = await connect(app);
    await client.waitFirstFrame();
    const writes = app.device.legacy.counters.writes;
    const before = Buffer.from(client.fb.rgba);
    await client.nextUpdate();
    await client.nextUpdate();
    expect(countDiff({ width: 640, height: 400, data: before }, clientImage(client))).toBeGreaterThan(100_000);
    expect(app.device.legacy.counters.writes).toBe(writes);
  });

  it('planar: mode 12h reaches the client pixel-exact', async () => {
    app = await startApp(planarGuest);
    client = await connect(app);
    await client.waitFirstFrame();
    await converge(client, app);
    expect([client.width, client.height]).toEqual([640, 480]);
  });
});
