// Hostile clients over real sockets: random and mutated RFB streams, split at random points, fed to
// sessions while a well-behaved client alongside keeps converging to the server's /screenshot.png.
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RfbClient } from '../../client/headless/rfb-client.js';
import type { VramVnc } from '../../src/app.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { clientImage, connect, countDiff, fetchScreenshot, startApp } from '../helpers/app.js';
import { settledHeap } from './gc.js';
import { anyMessage, chunk, mutate, splits } from './messages.js';
import { paint, tinyGuest, TINY_H, TINY_W } from './tiny-guest.js';

/** The reasons a session may end with: a coded protocol error or an ordinary close, nothing else. */
const ACCEPTABLE_REASON = /^(RFB_ERR_[A-Z_]+: .+|connection closed by client)$/;
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

let app: VramVnc;
let good: RfbClient;
const reasons = new Map<string, number>();
const badReasons: string[] = [];
let port = 0;

let closes = 0;
let feeds = 0;
function record(line: string): void {
  const m = / closed: (.*)$/.exec(line);
  if (!m) return;
  closes++;
  const reason = m[1]!;
  if (!ACCEPTABLE_REASON.test(reason)) badReasons.push(line);
  const key = /^(RFB_ERR_[A-Z_]+)/.exec(reason)?.[1] ?? reason;
  reasons.set(key, (reasons.get(key) ?? 0) + 1);
}

beforeAll(async () => {
  app = await startApp(tinyGuest, {
    log: record,
    rfb: { maxCutText: 4096, maxEncodings: 32, handshakeTimeoutMs: 2000, maxClients: 50 },
  });
  port = Number(/:(\d+)$/.exec(app.vncUrl!)![1]);
  good = await connect(app);
  await good.waitFirstFrame();
});
afterAll(async () => {
  good?.close();
  await app?.stop();
});

/** Send a stream in the given chunks, half-close, and wait until the server has let go of it. */
async function feed(chunks: Buffer[]): Promise<void> {
  feeds++;
  const s = net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => {});
  s.on('data', () => {}); // read and discard whatever the server sends
  await new Promise<void>((r) => s.once('connect', () => r()));
  for (const c of chunks) {
    if (s.destroyed) break;
    s.write(c);
    await new Promise((r) => setImmediate(r));
  }
  s.end();
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the server did not let go of a fuzz connection within 5 s')), 5000);
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
  // the server side closes too, with its log line (its 'close' may come a tick later)
  for (let i = 0; i < 400 && closes < feeds; i++) await new Promise((r) => setTimeout(r, 5));
  expect(closes).toBe(feeds);
  expect(app.rfb.sessions.size).toBe(1);
}

let checkpoints = 0;
/** Paint something new as the guest, and require the good client to show exactly the screenshot. */
async function goodClientConverges(rng: number): Promise<void> {
  checkpoints++;
  paint(app.mem, rng % (TINY_W - 40), (rng >>> 8) % (TINY_H - 30), 40, 30, rng & 0xffffff);
  const truth = await fetchScreenshot(app);
  await good.waitUntil(() => countDiff(clientImage(good), truth) === 0, 10_000);
  expect(good.state).toBe('Normal');
}

const version = fc.constantFrom('RFB 003.008\n', 'RFB 003.007\n', 'RFB 003.003\n', 'RFB 003.889\n', 'RFB 003.005\n');
/** A correct handshake up to Normal (security None, shared), for any of the versions. */
function handshake(v: string): Buffer {
  const minor = Number(v.slice(8, 11));
  return Buffer.concat([Buffer.from(v, 'latin1'), Buffer.from(minor >= 7 ? [1, 1] : [1])]);
}

const streams = fc.oneof(
  // garbage instead of the version, or before it
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 16 }), version).map(([g, v]) => Buffer.concat([g, Buffer.from(v, 'latin1')])),
  // a bad version line, a security type we do not offer, a truncated handshake
  fc.constantFrom('RFB 004.000\n', 'RFB 003.00x\n', 'RFB 003.008', 'RFB 003.008\n\x02', 'RFB 003.008\n\x00', 'HTTP/1.1 GET /\r\n\r\n').map((s) => Buffer.from(s, 'latin1')),
  // a proper handshake, then messages (valid, invalid, truncated), perhaps mutated
  fc.tuple(version, fc.array(anyMessage, { maxLength: 20 })).chain(([v, msgs]) =>
    fc.oneof(fc.constant(Buffer.concat(msgs)), mutate(Buffer.concat(msgs))).map((body) => Buffer.concat([handshake(v), body])),
  ),
);

describe('hostile clients (fast-check, real sockets)', () => {
  it(`${RUNS} random and mutated streams: coded errors only, bounded memory, the good client keeps up`, async () => {
    const heapBefore = await settledHeap();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(streams.chain((b) => splits(b.length).map((s) => chunk(b, s))), fc.nat(), async (chunks, rng) => {
        await feed(chunks);
        if (++run % 25 === 0) await goodClientConverges(rng);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    await goodClientConverges(0x123456);
    const heapAfter = await settledHeap();
    // a report for the log: which errors the fuzz reached
    console.log(`fuzz seed ${SEED}, ${RUNS} streams, ${checkpoints} checkpoints; heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ${(heapAfter / 2 ** 20).toFixed(1)} MiB; close reasons:`, Object.fromEntries(reasons));
    expect(badReasons).toEqual([]);
    expect(app.rfb.sessions.size).toBe(1);
    expect(heapAfter - heapBefore).toBeLessThan(16 * 2 ** 20);
    for (const code of ['RFB_ERR_BAD_VERSION', 'RFB_ERR_UNKNOWN_MESSAGE', 'RFB_ERR_BAD_PIXEL_FORMAT', 'RFB_ERR_TOO_MANY_ENCODINGS', 'RFB_ERR_MESSAGE_TOO_LARGE', 'RFB_ERR_TRUNCATED']) {
      expect(reasons.get(code), `the fuzz never reached ${code}`).toBeGreaterThan(0);
    }
  }, 120_000);

  it('password-protected handshakes (VncAuth, VeNCrypt) with random responses and random TLS: coded errors only', async () => {
    const logs: string[] = [];
    const locked = await startApp(tinyGuest, {
      log: (l) => logs.push(l),
      rfb: { handshakeTimeoutMs: 2000, security: new SecurityPolicy({ password: Buffer.from('fuzzpass'), anonymousTls: true, failureDelayMs: 1 }) },
    });
    const lport = Number(/:(\d+)$/.exec(locked.vncUrl!)![1]);
    try {
      await fc.assert(
        fc.asyncProperty(version, fc.constantFrom('', '\x02', '\x13', '\x13\x00\x02', '\x13\x00\x02\x00\x00\x01\x02'), fc.uint8Array({ maxLength: 40 }), async (v, prefix, rest) => {
          // VNC Authentication or VeNCrypt (version, subtype TLSVnc), then random bytes (as the response, or as TLS)
          const s = net.connect({ port: lport, host: '127.0.0.1' });
          s.on('error', () => {});
          s.on('data', () => {});
          await new Promise<void>((r) => s.once('connect', () => r()));
          s.end(Buffer.concat([Buffer.from(v + prefix, 'latin1'), rest]));
          await new Promise((r) => s.once('close', r));
        }),
        { numRuns: 100, seed: SEED },
      );
      for (let i = 0; i < 100 && locked.rfb.sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(locked.rfb.sessions.size).toBe(0);
      const closes = logs.filter((l) => l.includes(' closed: ')).map((l) => / closed: (.*)$/.exec(l)![1]!);
      expect(closes.length).toBe(100);
      expect(closes.filter((r) => !ACCEPTABLE_REASON.test(r))).toEqual([]);
      expect(logs.join('\n')).not.toContain('fuzzpass');
    } finally {
      await locked.stop();
    }
  }, 60_000);
});
