// Test helpers: a whole vramvnc on ephemeral loopback ports, clients, and PNG comparison.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { VramVnc, DEFAULT_APP_OPTIONS, type AppOptions } from '../../src/app.js';
import type { GuestProgram } from '../../src/guest/guest.js';
import { RfbClient, type RfbClientOptions } from '../../client/headless/rfb-client.js';
import { rgbaToPng as toPng } from '../../src/display/png.js';

export async function startApp(guest: GuestProgram, opts: Partial<AppOptions> = {}): Promise<VramVnc> {
  const app = new VramVnc({
    ...DEFAULT_APP_OPTIONS,
    guest,
    vnc: { host: '127.0.0.1', port: 0 },
    web: { host: '127.0.0.1', port: 0 },
    log: () => {},
    ...opts,
  });
  await app.start();
  return app;
}

export function connect(app: VramVnc, opts: RfbClientOptions = {}): Promise<RfbClient> {
  return RfbClient.connect(app.vncUrl!, { timeoutMs: 10_000, ...opts });
}

/** The server's ground truth, as RGBA. */
export async function fetchScreenshot(app: VramVnc): Promise<PNG> {
  // a kept-alive connection the server closes at its keep-alive timeout just as fetch reuses it
  // fails with ECONNRESET (more likely on a loaded machine): ask once more on a new connection
  const get = () => fetch(`${app.webUrl}screenshot.png`);
  const res = await get().catch(() => get());
  if (!res.ok) throw new Error(`GET /screenshot.png: ${res.status}`);
  return PNG.sync.read(Buffer.from(await res.arrayBuffer()));
}

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Count differing pixels (RGB only; alpha ignored). */
export function countDiff(a: Rgba, b: Rgba): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  let n = 0;
  for (let i = 0; i < a.width * a.height * 4; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) n++;
  }
  return n;
}

const OUT = path.resolve('test-output');

/** Compare with a golden PNG in fixtures/golden; on mismatch write actual and diff PNGs to test-output/. */
export function compareGolden(name: string, actual: Rgba): { diff: number; message: string } {
  const goldenPath = path.resolve('fixtures/golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(goldenPath), { recursive: true });
    fs.writeFileSync(goldenPath, toPng(actual));
  }
  const golden = PNG.sync.read(fs.readFileSync(goldenPath));
  const diff = countDiff(golden, actual);
  if (diff === 0) return { diff, message: 'identical' };
  fs.mkdirSync(OUT, { recursive: true });
  const base = name.replace(/\.png$/, '');
  fs.writeFileSync(path.join(OUT, `${base}.actual.png`), toPng(actual));
  if (golden.width === actual.width && golden.height === actual.height) {
    const d = new PNG({ width: actual.width, height: actual.height });
    for (let i = 0; i < d.data.length; i += 4) {
      const same = golden.data[i] === actual.data[i] && golden.data[i + 1] === actual.data[i + 1] && golden.data[i + 2] === actual.data[i + 2];
      d.data[i] = same ? golden.data[i]! >> 2 : 255;
      d.data[i + 1] = same ? golden.data[i + 1]! >> 2 : 0;
      d.data[i + 2] = same ? golden.data[i + 2]! >> 2 : 0;
      d.data[i + 3] = 255;
    }
    fs.writeFileSync(path.join(OUT, `${base}.diff.png`), PNG.sync.write(d));
  }
  return { diff, message: `${diff} pixels differ from ${goldenPath} (see ${OUT}/${base}.*.png)` };
}

export { toPng };

/** The client's framebuffer as Rgba. */
export function clientImage(c: RfbClient): Rgba {
  return { width: c.width, height: c.height, data: c.fb.rgba };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until pred() holds, polling every 10 ms; reject naming `what` after timeoutMs. */
export async function until(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
