// The hostile-client suite (issue 16): each attack on the real server, each with the figure it must
// stay under, and a fresh client pixel-exact afterwards. Memory is the server process's own RSS
// (a child process, run as `npm start` runs it), sampled every 20 ms through the attack.
import { afterEach, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { countDiff } from '../helpers/app.js';
import { distinctFormats, MiB, RawPeer, spawnServer, watchRss, type ChildServer } from './hostile.js';

let server: ChildServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function freshClientIsExact(s: ChildServer): Promise<number> {
  const c = await RfbClient.connect(`vnc://127.0.0.1:${s.vncPort}`, { timeoutMs: 20_000 });
  await c.waitFirstFrame();
  const res = await fetch(`${s.webUrl}screenshot.png`);
  const truth = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
  const diff = countDiff({ width: c.width, height: c.height, data: c.fb.rgba }, truth);
  c.close();
  return diff;
}

/**
 * Start the idle guest's server and let it settle with one ordinary viewer's first frame; that
 * viewer stays (so the encode cache is in play: with one client alone nothing is cached).
 */
async function idleServer(): Promise<{ s: ChildServer; base: number; viewer: RfbClient }> {
  const s = await spawnServer(['--guest', 'idle', '--web', '127.0.0.1:0', '--quiet']);
  expect(await freshClientIsExact(s)).toBe(0);
  const viewer = await RfbClient.connect(`vnc://127.0.0.1:${s.vncPort}`, { timeoutMs: 20_000 });
  await viewer.waitFirstFrame();
  await new Promise((r) => setTimeout(r, 300));
  return { s, base: s.rss(), viewer };
}

const fmt = (b: number) => `${(b / MiB).toFixed(1)} MiB`;

describe('memory: one client cannot grow the server by 64 MiB, whatever it asks for', () => {
  it('1,500 non-incremental requests for different areas, each answer read', async () => {
    const { s, base, viewer } = await idleServer();
    server = s;
    const watch = watchRss(s);
    const p = await RawPeer.open(s.vncPort, [0]); // Raw: the largest answers
    for (let i = 0; i < 1500; i++) {
      const x = (i * 37) % 512;
      const y = (i * 53) % 384;
      const w = 256 + ((i * 61) % 256);
      const h = 192 + ((i * 29) % 192);
      p.request(false, x, y, w, h);
      await p.readUpdate(4);
    }
    const during = watch.stop();
    const read = p.bytesRead;
    p.close();
    await new Promise((r) => setTimeout(r, 300));
    const after = s.rss();
    console.log(`areas: read ${fmt(read)}; RSS base ${fmt(base)}, peak ${fmt(during.peak)} (+${fmt(during.peak - base)}), after ${fmt(after)}`);
    expect(read).toBeGreaterThan(500 * MiB); // the attack did move the bytes it was meant to
    expect(during.peak - base).toBeLessThan(64 * MiB);
    expect(await freshClientIsExact(s)).toBe(0);
    viewer.close();
  }, 120_000);

  it('384 different pixel formats, a full frame in each', async () => {
    const { s, base, viewer } = await idleServer();
    server = s;
    const watch = watchRss(s);
    const p = await RawPeer.open(s.vncPort, [0]);
    const formats = distinctFormats(384);
    for (const pf of formats) {
      p.setPixelFormat(pf);
      p.request(false);
      await p.readUpdate(pf.bitsPerPixel / 8);
    }
    const during = watch.stop();
    const read = p.bytesRead;
    p.close();
    await new Promise((r) => setTimeout(r, 300));
    const after = s.rss();
    console.log(`formats: read ${fmt(read)}; RSS base ${fmt(base)}, peak ${fmt(during.peak)} (+${fmt(during.peak - base)}), after ${fmt(after)}`);
    expect(read).toBeGreaterThan(formats.reduce((n, pf) => n + (1024 * 768 * pf.bitsPerPixel) / 8, 0));
    expect(during.peak - base).toBeLessThan(64 * MiB);
    expect(await freshClientIsExact(s)).toBe(0);
    viewer.close();
  }, 120_000);
});
