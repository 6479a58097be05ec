// The invariant: no lost update. Under random guest writes, drops, re-arms and client request
// timings, every client's framebuffer ends equal to the guest's screen, in every tracking mode.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../src/app.js';
import { Fb32, setVbeMode, type GuestProgram } from '../src/guest/guest.js';
import type { TrackingMode } from '../src/hypervisor/dirty-log.js';
import type { RefreshMode } from '../src/display/update-pipeline.js';
import { LFB_BASE } from '../src/hypervisor/memory.js';
import type { RfbClient } from '../client/headless/rfb-client.js';
import { clientImage, connect, countDiff, sleep, startApp } from './helpers/app.js';
import { nativeToRgba } from '../src/display/surface.js';
import { loadHwtrack } from '../src/hypervisor/hwtrack-addon.js';

/** The backend `--tracking hw` really runs here: the hardware one, or the emulated fallback. */
const HW_RUNS = loadHwtrack().ok ? 'hw' : 'dirty';

const W = 200; // stride 800 bytes: pages hold parts of several scanlines
const H = 120;

const scripted: GuestProgram = {
  name: 'scripted',
  start(ctx) {
    setVbeMode(ctx.io, W, H, 32);
  },
};

type Op =
  | { k: 'fill'; x: number; y: number; w: number; h: number; c: number }
  | { k: 'pixels'; n: number; seed: number }
  | { k: 'copy'; src: number; dst: number; len: number }
  | { k: 'same'; x: number; y: number } // rewrite a pixel with its own value
  | { k: 'sleep'; ms: number }
  | { k: 'request'; client: number; incremental: boolean }
  | { k: 'refresh' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('fill' as const), x: fc.nat(W - 1), y: fc.nat(H - 1), w: fc.integer({ min: 1, max: W }), h: fc.integer({ min: 1, max: 40 }), c: fc.nat(0xffffff) }),
  fc.record({ k: fc.constant('pixels' as const), n: fc.integer({ min: 1, max: 30 }), seed: fc.nat() }),
  fc.record({ k: fc.constant('copy' as const), src: fc.nat(W * H * 4 - 1), dst: fc.nat(W * H * 4 - 1), len: fc.integer({ min: 1, max: 9000 }) }),
  fc.record({ k: fc.constant('same' as const), x: fc.nat(W - 1), y: fc.nat(H - 1) }),
  fc.record({ k: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ k: fc.constant('request' as const), client: fc.nat(1), incremental: fc.boolean() }),
  fc.record({ k: fc.constant('refresh' as const) }),
);

function screen(app: VramVnc) {
  const s = app.device.screenshot();
  return { width: s.width, height: s.height, data: nativeToRgba(s.data, s.width, s.height) };
}

/** Keep asking (incremental) until the client shows the guest's screen; fail after a timeout. */
async function converge(app: VramVnc, c: RfbClient, manual: boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (countDiff(clientImage(c), screen(app)) !== 0) {
    if (Date.now() > deadline) throw new Error(`client did not converge: ${countDiff(clientImage(c), screen(app))} pixels differ`);
    const next = c.nextUpdate(250).catch(() => null);
    if (manual) c.requestUpdate(true);
    await next;
  }
}

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe.each<[TrackingMode, RefreshMode]>([
  ['dirty', 'event'],
  ['dirty', 'poll'],
  ['dirty-nodrop', 'event'],
  ['dirty-nodrop', 'poll'],
  ['scan', 'poll'],
  ['hw', 'event'], // the emulated tracker where the hwtrack addon cannot run
  ['hw', 'poll'],
])('no lost update (%s, %s refresh)', (tracking, refreshMode) => {
  it('every client converges to the guest screen under random writes, drops, re-arms and request timings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        app = await startApp(scripted, { tracking, refreshMode, idleDropMs: 15, refreshIntervalMs: 5, vramMb: 1, notice: () => {} });
        expect(app.tracker.mode).toBe(tracking === 'hw' ? HW_RUNS : tracking);
        const fb = new Fb32(app.mem, W, H);
        const viewer = await connect(app); // keeps one incremental request outstanding
        const manual = await connect(app, { autoUpdate: false }); // asks only when told
        await Promise.all([viewer.waitFirstFrame(), manual.waitFirstFrame()]);
        // the guest's stores run as the machine's run slices (the hw tracker looks after each)
        const guest = (fn: () => void) => app!.guest.slice(fn);
        for (const op of ops) {
          switch (op.k) {
            case 'fill':
              guest(() => fb.fillRect(op.x, op.y, op.w, op.h, op.c));
              break;
            case 'pixels':
              guest(() => {
                let s = op.seed;
                for (let i = 0; i < op.n; i++) {
                  s = (s * 1103515245 + 12345) >>> 0;
                  fb.pixel(s % W, (s >>> 8) % H, s & 0xffffff);
                }
              });
              break;
            case 'copy':
              guest(() => app!.mem.copy(LFB_BASE + op.dst, LFB_BASE + op.src, Math.min(op.len, W * H * 4 - Math.max(op.src, op.dst))));
              break;
            case 'same':
              guest(() => fb.pixel(op.x, op.y, app!.mem.load32(LFB_BASE + (op.y * W + op.x) * 4)));
              break;
            case 'sleep':
              await sleep(op.ms);
              break;
            case 'request':
              (op.client === 0 ? viewer : manual).requestUpdate(op.incremental);
              break;
            case 'refresh':
              app.pipeline.refresh();
              break;
          }
        }
        await converge(app, viewer, false);
        await converge(app, manual, true);
        viewer.close();
        manual.close();
        await app.stop();
        app = null;
      }),
      { numRuns: Number(process.env.CONVERGENCE_RUNS ?? 12) },
    );
  });
});

describe('tracking modes agree', () => {
  it('scan, dirty-nodrop, dirty and hw give identical client screens for the same write schedule', async () => {
    const images = [];
    for (const tracking of ['scan', 'dirty-nodrop', 'dirty', 'hw'] as TrackingMode[]) {
      app = await startApp(scripted, { tracking, idleDropMs: 20, refreshIntervalMs: 5, vramMb: 1, notice: () => {} });
      expect(app.tracker.mode).toBe(tracking === 'hw' ? HW_RUNS : tracking);
      const fb = new Fb32(app.mem, W, H);
      const c = await connect(app);
      await c.waitFirstFrame();
      let s = 12345;
      const rnd = (n: number) => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) % n;
      for (let step = 0; step < 30; step++) {
        app.guest.slice(() => {
          for (let i = 0; i < 5; i++) fb.fillRect(rnd(W), rnd(H), 1 + rnd(60), 1 + rnd(30), rnd(0x1000000));
        });
        await sleep(step % 10 === 9 ? 40 : rnd(8)); // some pauses long enough to drop tracking
      }
      await converge(app, c, false);
      if (tracking === 'dirty' || tracking === 'hw') {
        // the schedule really exercised drops and re-arms
        expect(app.tracker.counters.drops).toBeGreaterThan(0);
        expect(app.tracker.counters.rearms).toBeGreaterThan(0);
      }
      images.push({ width: W, height: H, data: Buffer.from(c.fb.rgba) });
      c.close();
      await app.stop();
      app = null;
    }
    expect(countDiff(images[0]!, images[1]!)).toBe(0);
    expect(countDiff(images[0]!, images[2]!)).toBe(0);
    expect(countDiff(images[0]!, images[3]!)).toBe(0);
  });
});
