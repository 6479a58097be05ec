// The desktop guest's clock: an update carries about the clock's area, not whole scanlines.
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { CLOCK_BOX, desktopGuest } from '../../src/guest/programs.js';
import { clientImage, connect, countDiff, fetchScreenshot, startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe('desktop guest', () => {
  it('each clock tick sends only rectangles inside the clock box (chunk-aligned)', async () => {
    app = await startApp(desktopGuest);
    const c = await connect(app);
    await c.waitFirstFrame();
    const b = CLOCK_BOX;
    const x0 = Math.floor(b.x / 16) * 16;
    const x1 = Math.ceil((b.x + b.w) / 16) * 16;
    for (let tick = 0; tick < 2; tick++) {
      const u = await c.nextUpdate(3000);
      let area = 0;
      for (const r of u.rects) {
        expect(r.x).toBeGreaterThanOrEqual(x0);
        expect(r.x + r.w).toBeLessThanOrEqual(x1);
        expect(r.y).toBeGreaterThanOrEqual(b.y);
        expect(r.y + r.h).toBeLessThanOrEqual(b.y + b.h);
        area += r.w * r.h;
      }
      expect(area).toBeGreaterThan(0);
      expect(area).toBeLessThanOrEqual((x1 - x0) * b.h);
    }
    // and what the client shows is the guest's screen (modulo a tick in between)
    await c.nextUpdate(3000);
    const truth = await fetchScreenshot(app);
    expect(countDiff(clientImage(c), truth)).toBeLessThan(b.w * b.h);
    c.close();
  });
});
