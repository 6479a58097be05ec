import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { connect, startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

/** GET with the path sent exactly as written (fetch would normalise dot segments). */
function rawGet(base: string, path: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('the web port serves the viewer', () => {
  it('serves the viewer page at / and its script, and noVNC from the @novnc/novnc package', async () => {
    app = await startApp(idleGuest);
    const page = await fetch(app.webUrl!);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/viewer/viewer.js');
    const js = await fetch(`${app.webUrl}viewer/viewer.js`);
    expect(await js.text()).toContain("from '/novnc/core/rfb.js'");
    const rfb = await fetch(`${app.webUrl}novnc/core/rfb.js`);
    expect(rfb.status).toBe(200);
    expect(rfb.headers.get('content-type')).toMatch(/javascript/);
    expect(await rfb.text()).toContain('export default class RFB');
    const pako = await fetch(`${app.webUrl}novnc/vendor/pako/lib/zlib/inflate.js`);
    expect(pako.status).toBe(200);
  });

  it('serves nothing outside client/viewer and noVNC core/vendor', async () => {
    app = await startApp(idleGuest);
    expect(await rawGet(app.webUrl!, '/viewer/../package.json')).toBe(404);
    expect(await rawGet(app.webUrl!, '/viewer/%2e%2e/%2e%2e/package.json')).toBe(404);
    expect(await rawGet(app.webUrl!, '/novnc/package.json')).toBe(404);
    expect(await rawGet(app.webUrl!, '/novnc/core/%2e%2e/package.json')).toBe(404);
    expect(await rawGet(app.webUrl!, '/viewer/%00')).toBe(404);
  });

  it('reports per-page dirty recency at /stats/pages', async () => {
    app = await startApp(idleGuest);
    const c = await connect(app);
    await c.waitFirstFrame();
    const pages = (await (await fetch(`${app.webUrl}stats/pages`)).json()) as { firstPfn: number; nr: number; totalPages: number; ageMs: number[] };
    expect(pages.totalPages).toBe(2048); // 8 MiB of 4 KiB pages
    expect(pages.firstPfn).toBe(0);
    expect(pages.nr).toBe(768); // 1024x768x4 bytes
    expect(pages.ageMs.length).toBe(2048);
    c.close();
  });

  it('streams /stats and the page recency as Server-Sent Events', async () => {
    app = await startApp(idleGuest);
    const res = await fetch(`${app.webUrl}stats/stream`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const ev = JSON.parse(text.slice(text.indexOf('data: ') + 6, text.indexOf('\n\n'))) as { stats: { tracking: { state: string } }; pages: { totalPages: number } };
    expect(ev.stats.tracking.state).toBeDefined();
    expect(ev.pages.totalPages).toBe(2048);
  });
});
