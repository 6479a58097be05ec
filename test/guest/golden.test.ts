// Golden screenshots: what a client decodes over a real RFB session, compared pixel by pixel.
import fs from 'node:fs';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest, imageGuest } from '../../src/guest/programs.js';
import type { GuestProgram } from '../../src/guest/guest.js';
import { clientImage, compareGolden, connect, countDiff, fetchScreenshot, startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

async function clientAndTruth(guest: GuestProgram) {
  app = await startApp(guest);
  const c = await connect(app);
  await c.waitFirstFrame();
  const truth = await fetchScreenshot(app);
  c.close();
  return { client: clientImage(c), truth };
}

describe('golden screenshots', () => {
  it('idle guest (seed 1): the client and /screenshot.png both match fixtures/golden/idle.png', async () => {
    const { client, truth } = await clientAndTruth(idleGuest);
    const g = compareGolden('idle.png', client);
    expect(g.diff, g.message).toBe(0);
    expect(countDiff(client, truth)).toBe(0);
  });

  it('image guest shows the PNG pixel for pixel at its own size', async () => {
    const file = 'fixtures/images/photo-320x240.png';
    const { client, truth } = await clientAndTruth(imageGuest(file));
    const source = PNG.sync.read(fs.readFileSync(file));
    expect([client.width, client.height]).toEqual([320, 240]);
    expect(countDiff(client, source)).toBe(0);
    expect(countDiff(truth, source)).toBe(0);
  });

  it('image guest pads a width that is not a multiple of 8 with black (VBE XRES granularity)', async () => {
    const { client } = await clientAndTruth(imageGuest('fixtures/images/odd-203x61.png'));
    expect([client.width, client.height]).toEqual([208, 61]);
    const g = compareGolden('image-odd-203x61.png', client);
    expect(g.diff, g.message).toBe(0);
  });

  it('an unreadable image is a clear error', () => {
    expect(() => imageGuest('fixtures/images/missing.png')).toThrow(/^cannot read image 'fixtures\/images\/missing.png': ENOENT/);
  });
});
