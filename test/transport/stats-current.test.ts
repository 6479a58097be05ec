// /stats tells the mode the guest is in now, with no viewer connected (issue 14: it said
// "text 80x25" for 16 s after the modes guest had switched to VBE, because only a viewer's
// refresh updated it).
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { modesGuest } from '../../src/guest/modes.js';
import { sleep, startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe('/stats with no viewer', () => {
  it('follows the modes guest through text, VGA and VBE modes', async () => {
    app = await startApp(modesGuest(500));
    const seen = new Set<string>();
    const http = new Set<string>();
    // what /stats is made of, sampled in-process (no HTTP latency to miss a step on a busy machine) ...
    for (let i = 0; i < 400 && !seen.has('VBE 1024x768x32 1024x768'); i++) {
      const s = app.stats() as { mode: string; width: number; height: number; clients: unknown[] };
      expect(s.clients).toEqual([]);
      seen.add(`${s.mode} ${s.width}x${s.height}`);
      // ... and /stats itself now and then
      if (i % 10 === 0) http.add(((await (await fetch(`${app.webUrl}stats`)).json()) as { mode: string }).mode);
      await sleep(20);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['text 80x25 (720x400) 720x400', 'VBE 800x600x16 800x600', 'VBE 1024x768x32 1024x768']));
    expect([...seen].some((m) => m.startsWith('VGA '))).toBe(true);
    expect([...http].some((m) => m.startsWith('VBE ') || m.startsWith('VGA '))).toBe(true); // not stuck at text
  });
});
