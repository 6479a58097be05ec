import { afterEach, describe, expect, it } from 'vitest';
import { idleGuest } from '../src/guest/programs.js';
import type { VramVnc } from '../src/app.js';
import { clientImage, connect, countDiff, fetchScreenshot, startApp } from './helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe('end to end', () => {
  it('a client over TCP sees exactly what /screenshot.png shows', async () => {
    app = await startApp(idleGuest);
    const c = await connect(app);
    await c.waitFirstFrame();
    const truth = await fetchScreenshot(app);
    expect(c.width).toBe(1024);
    expect(countDiff(clientImage(c), truth)).toBe(0);
    c.close();
  });
});
