// noVNC deployed the common way: its library on a page served by Debian's websockify, which forwards
// the WebSocket to our TCP port. noVNC cannot start TLS inside RFB, so the security offer must leave
// it something it can pick: None, VNC Authentication, or VeNCrypt's plain subtypes after the TLS ones.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest, imageGuest } from '../../src/guest/programs.js';
import { EncodingType, encodingName } from '../../src/rfb/wire/encodings.js';
import type { TightEncoder } from '../../src/rfb/encodings/tight.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { loadTlsCredentials } from '../../src/rfb/security/tls.js';
import { countDiff, fetchScreenshot, sleep, startApp } from '../helpers/app.js';
import { makeSelfSignedCert, type CertFiles } from '../security/tls-fixture.js';
import { readCanvas } from './chromium.js';
import { openNovncPage, type NovncPage } from './novnc-page.js';

let app: VramVnc | null = null;
let page: NovncPage | null = null;
let certs: CertFiles;
let logs: string[] = [];
beforeAll(() => {
  certs = makeSelfSignedCert();
});
afterAll(() => fs.rmSync(certs.dir, { recursive: true, force: true }));
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) console.log([...page.browser.console, ...page.log, ...logs].join('\n'));
  await page?.close();
  page = null;
  await app?.stop();
  app = null;
});

async function serve(password: string | null, tls: boolean): Promise<VramVnc> {
  logs = [];
  app = await startApp(idleGuest, {
    log: (l) => logs.push(l),
    rfb: {
      security: new SecurityPolicy({
        password: password === null ? null : Buffer.from(password),
        tls: tls ? loadTlsCredentials(certs.cert, certs.key) : null,
        failureDelayMs: 50,
      }),
    },
  });
  return app;
}

async function sameAsScreenshot(p: NovncPage, a: VramVnc): Promise<number> {
  let diff = Infinity;
  for (let i = 0; i < 50 && diff !== 0; i++) {
    await sleep(100);
    diff = countDiff(await readCanvas(p.browser.page), await fetchScreenshot(a));
  }
  return diff;
}

async function securityLine(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const l = logs.find((x) => /security /.test(x));
    if (l) return l;
    await sleep(50);
  }
  return logs.join('\n');
}

describe('noVNC behind websockify, against the TCP port', () => {
  for (const [name, password, tls, security] of [
    ['None, no certificate', null, false, /security None, no auth/],
    ['VNC Authentication, no certificate', 'pw-7x', false, /security VncAuth, auth ok/],
    ['None, with a certificate (VeNCrypt, plain subtype)', null, true, /security VeNCrypt, VeNCrypt None, no auth/],
    ['VNC Authentication, with a certificate (VeNCrypt, plain subtype)', 'pw-7x', true, /security VeNCrypt, VeNCrypt VncAuth, auth ok/],
  ] as const) {
    it(`connects and shows the screen: ${name}`, async () => {
      const a = await serve(password, tls);
      page = await openNovncPage(Number(/:(\d+)$/.exec(a.vncUrl!)![1]));
      await page.connect(password);
      expect(await sameAsScreenshot(page, a)).toBe(0);
      a.rfb.closeAll('test over');
      expect(await securityLine()).toMatch(security);
    });
  }

  it('a wrong password is refused with noVNC\'s security failure, not an unsupported type', async () => {
    const a = await serve('right-pw', false);
    page = await openNovncPage(Number(/:(\d+)$/.exec(a.vncUrl!)![1]));
    await expect(page.connect('wrong-pw')).rejects.toThrow(/securityfailure authentication failed/);
  });
});

describe('noVNC behind websockify, Tight on text', () => {
  it('shows words in several colours exactly: one-bit layers with the words drawn over them', async () => {
    logs = [];
    const a = (app = await startApp(imageGuest(path.resolve('fixtures/frames/text.png')), { log: (l) => logs.push(l) }));
    page = await openNovncPage(Number(/:(\d+)$/.exec(a.vncUrl!)![1]));
    await page.connect(null);
    expect(await sameAsScreenshot(page, a)).toBe(0);
    const session = [...a.rfb.sessions][0]!;
    expect(session.encodingName).toBe(encodingName(EncodingType.Tight));
    expect((session.encoders.encoder(EncodingType.Tight) as TightEncoder).counters.layer).toBeGreaterThan(0);
  });
});
