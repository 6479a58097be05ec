// A client that stops reading (the failure behind QEMU's CVE-2017-15124): it never has more than
// about one frame buffered, its changes coalesce, it is cut off after the stall timeout, and the
// other clients keep getting updates.
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { videoGuest } from '../../src/guest/video.js';
import { CountingClient } from '../../src/bench/counting-client.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import { sleep, startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe('slow clients', () => {
  it('a client that stops reading holds at most about one frame while another keeps receiving', async () => {
    const logs: string[] = [];
    app = await startApp(videoGuest('320x240'), { log: (l) => logs.push(l), rfb: { stallTimeoutMs: 60_000 } });
    const frameBytes = 1024 * 768 * 4; // a full-screen Raw update is the largest single message
    const stuck = await CountingClient.connect(app.vncUrl!, EncodingType.Raw);
    const live = await CountingClient.connect(app.vncUrl!, EncodingType.Raw);
    await sleep(200);
    stuck.pause(true); // keeps sending requests, reads nothing
    const stuckSession = [...app.rfb.sessions][0]!;
    const liveBefore = live.updates;
    let maxQueued = 0;
    for (let i = 0; i < 40; i++) {
      await sleep(50);
      maxQueued = Math.max(maxQueued, stuckSession.channel.bufferedAmount);
    }
    expect(maxQueued).toBeGreaterThan(0); // the kernel buffers filled: the server really was held back
    expect(maxQueued).toBeLessThanOrEqual(frameBytes);
    expect(stuckSession.state).toBe('Normal');
    expect(stuckSession.pendingChunks).toBeGreaterThan(0); // its changes wait, coalesced
    expect(live.updates - liveBefore).toBeGreaterThan(10);
    // reading again, it catches up
    stuck.resume();
    const before = stuck.updates;
    await sleep(500);
    expect(stuck.updates).toBeGreaterThan(before);
    stuck.close();
    live.close();
  });

  it('a client that takes no data for the stall timeout is disconnected with a logged reason', async () => {
    const logs: string[] = [];
    app = await startApp(videoGuest('320x240'), { log: (l) => logs.push(l), rfb: { stallTimeoutMs: 300 } });
    const stuck = await CountingClient.connect(app.vncUrl!, EncodingType.Raw);
    const live = await CountingClient.connect(app.vncUrl!, EncodingType.Raw);
    await sleep(100);
    stuck.pause(true); // keeps sending requests, reads nothing
    const deadline = Date.now() + 10_000;
    while (!logs.some((l) => l.includes('RFB_ERR_CLIENT_STALLED')) && Date.now() < deadline) await sleep(50);
    expect(logs.find((l) => l.includes('RFB_ERR_CLIENT_STALLED'))).toMatch(/closed: RFB_ERR_CLIENT_STALLED: client took no data for 300 ms while updates were waiting$/);
    const n = live.updates;
    await sleep(300);
    expect(live.closed).toBeNull();
    expect(live.updates).toBeGreaterThan(n);
    live.close();
  });
});
