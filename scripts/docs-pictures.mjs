#!/usr/bin/env node
// Regenerates the README's pictures from the built server (npm run build first):
//   docs/desktop.png  the desktop guest as the headless client decodes it over VNC
//   docs/viewer.png   the web viewer in Chromium: the desktop guest with typed text, and the tracker panel
// Usage: node scripts/docs-pictures.mjs [--out docs]   (needs /usr/bin/chromium for the viewer picture)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
if (!fs.existsSync(path.join(dist, 'src/app.js'))) {
  process.stderr.write('docs-pictures: dist/ is missing: run npm run build first\n');
  process.exit(2);
}
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'docs');
fs.mkdirSync(out, { recursive: true });

const { VramVnc, DEFAULT_APP_OPTIONS } = await import(path.join(dist, 'src/app.js'));
const { interactiveDesktop } = await import(path.join(dist, 'src/guest/interactive-desktop.js'));
const { RfbClient } = await import(path.join(dist, 'client/headless/rfb-client.js'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let guest = null;
/** The desktop guest on ephemeral loopback ports, quiet. */
async function serve() {
  guest = interactiveDesktop();
  const anyPort = { host: '127.0.0.1', port: 0 };
  const app = new VramVnc({ ...DEFAULT_APP_OPTIONS, guest, vnc: anyPort, web: anyPort, log() {} });
  await app.start();
  return app;
}

// 1. docs/desktop.png: what a VNC client decodes
{
  const app = await serve();
  const client = await RfbClient.connect(app.vncUrl, { timeoutMs: 10_000, autoUpdate: false });
  await client.waitFirstFrame(10_000);
  fs.writeFileSync(path.join(out, 'desktop.png'), client.toPng());
  client.close();
  await app.stop();
  process.stdout.write(`${path.join(out, 'desktop.png')}\n`);
}

// 2. docs/viewer.png: the viewer page, after typing into the desktop's text box
{
  const { chromium } = await import('playwright-core');
  const app = await serve();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-docs-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 860 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${app.webUrl}?lossless=1`);
    await page.waitForFunction(() => window.viewer?.connected === true);
    await page.waitForFunction(() => (window.viewer.statsEvents ?? 0) >= 3);
    // click into the guest's text box and type, as a user would
    const tb = guest.state.textBox;
    const box = await page.evaluate(({ x, y }) => {
      const c = document.querySelector('#screen canvas');
      const b = c.getBoundingClientRect();
      return { x: b.left + ((x + 0.5) / c.width) * b.width, y: b.top + ((y + 0.5) / c.height) * b.height };
    }, { x: tb.x + 20, y: tb.y + 10 });
    await page.mouse.click(box.x, box.y);
    await sleep(300);
    await page.keyboard.type('Hello from the viewer!');
    await sleep(3000); // a few plot points and heat-map frames
    await page.screenshot({ path: path.join(out, 'viewer.png') });
    process.stdout.write(`${path.join(out, 'viewer.png')}\n`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await app.stop();
  }
}
