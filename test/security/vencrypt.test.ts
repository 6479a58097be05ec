// VeNCrypt (type 19) end to end: TLS over the RFB connection with a self-signed certificate made
// by openssl, then VNC Authentication or None inside; pixels over TLS match the server's screenshot.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { loadTlsCredentials } from '../../src/rfb/security/tls.js';
import { VeNCryptSubtype } from '../../src/rfb/security/vencrypt.js';
import { vncAuthResponse } from '../../src/rfb/security/vnc-auth.js';
import { fetchScreenshot, sleep, startApp } from '../helpers/app.js';
import { makeSelfSignedCert, type CertFiles } from './tls-fixture.js';
import { readServerInit, Wire } from './wire.js';

const PASSWORD = 'sekrit';
let certs: CertFiles;
let app: VramVnc | null = null;
let logs: string[] = [];
beforeAll(() => {
  certs = makeSelfSignedCert();
});
afterAll(() => fs.rmSync(certs.dir, { recursive: true, force: true }));
afterEach(async () => {
  await app?.stop();
  app = null;
});

async function start(password: string | null): Promise<VramVnc> {
  logs = [];
  const tls = loadTlsCredentials(certs.cert, certs.key);
  app = await startApp(idleGuest, {
    log: (l) => logs.push(l),
    rfb: { security: new SecurityPolicy({ password: password === null ? null : Buffer.from(password), tls, anonymousTls: true, failureDelayMs: 50 }) },
  });
  return app;
}

/** Up to the subtype list: returns the offered subtypes. */
async function negotiate(w: Wire): Promise<number[]> {
  await w.read(12);
  w.write('RFB 003.008\n');
  const n = (await w.read(1))[0]!;
  const types = [...(await w.read(n))];
  expect(types[0]).toBe(19);
  w.write(Buffer.from([19]));
  expect([...(await w.read(2))]).toEqual([0, 2]);
  w.write(Buffer.from([0, 2]));
  expect((await w.read(1))[0]).toBe(0);
  const count = (await w.read(1))[0]!;
  const sub = await w.read(4 * count);
  return Array.from({ length: count }, (_, i) => sub.readUInt32BE(4 * i));
}

async function closedLine(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const l = logs.find((x) => x.includes('closed:'));
    if (l) return l;
    await sleep(25);
  }
  throw new Error(`no close line in:\n${logs.join('\n')}`);
}

/** After security: ClientInit, one full Raw update; compare with /screenshot.png. */
async function checkPixels(w: Wire, a: VramVnc): Promise<void> {
  w.write(Buffer.from([1]));
  const init = await readServerInit(w);
  expect(init).toMatchObject({ width: 1024, height: 768 });
  // SetEncodings [Raw], then a non-incremental request for the whole screen
  w.write(Buffer.from('02000001' + '00000000' + '0300' + '0000' + '0000' + '0400' + '0300', 'hex'));
  const head = await w.read(4);
  expect(head[0]).toBe(0);
  const truth = await fetchScreenshot(a);
  let pixels = 0;
  let differ = 0;
  for (let i = head.readUInt16BE(2); i > 0; i--) {
    const r = await w.read(12);
    const [x, y, rw, rh] = [r.readUInt16BE(0), r.readUInt16BE(2), r.readUInt16BE(4), r.readUInt16BE(6)];
    expect(r.readInt32BE(8)).toBe(0);
    const data = await w.read(rw * rh * 4);
    for (let yy = 0; yy < rh; yy++) {
      for (let xx = 0; xx < rw; xx++) {
        const o = (yy * rw + xx) * 4;
        const t = ((y + yy) * 1024 + x + xx) * 4;
        if (data[o + 2] !== truth.data[t] || data[o + 1] !== truth.data[t + 1] || data[o] !== truth.data[t + 2]) differ++;
        pixels++;
      }
    }
  }
  expect(pixels).toBe(1024 * 768);
  expect(differ).toBe(0);
}

describe('VeNCrypt', () => {
  it('offers X509Vnc and TLSVnc, then plain VncAuth, when a password and certificate are set', async () => {
    const a = await start(PASSWORD);
    const w = await Wire.connect(Wire.portOf(a.vncUrl!));
    expect(await negotiate(w)).toEqual([VeNCryptSubtype.X509Vnc, VeNCryptSubtype.TLSVnc, 2]);
    w.close();
  });

  it('offers no anonymous TLS unless asked, and no VeNCrypt at all without a certificate', async () => {
    for (const [tls, password, types] of [
      [false, null, [1]],
      [false, PASSWORD, [2]],
      [true, null, [19, 1]],
      [true, PASSWORD, [19, 2]],
    ] as const) {
      app = await startApp(idleGuest, {
        rfb: { security: new SecurityPolicy({ password: password === null ? null : Buffer.from(password), tls: tls ? loadTlsCredentials(certs.cert, certs.key) : null }) },
      });
      const w = await Wire.connect(Wire.portOf(app.vncUrl!));
      await w.read(12);
      w.write('RFB 003.008\n');
      const n = (await w.read(1))[0]!;
      expect([...(await w.read(n))]).toEqual(types);
      if (tls) {
        w.write(Buffer.from([19]));
        await w.read(2);
        w.write(Buffer.from([0, 2]));
        const count = (await w.read(2))[1]!;
        const sub = await w.read(4 * count);
        const subtypes = Array.from({ length: count }, (_, i) => sub.readUInt32BE(4 * i));
        expect(subtypes).toEqual(password ? [VeNCryptSubtype.X509Vnc, 2] : [VeNCryptSubtype.X509None, 1]);
      }
      w.close();
      await app.stop();
      app = null;
    }
  });

  it('a client that takes VeNCrypt but cannot start TLS picks the plain subtype (no ack byte, no TLS) and gets pixels', async () => {
    const a = await start(PASSWORD);
    const w = await Wire.connect(Wire.portOf(a.vncUrl!));
    await negotiate(w);
    const sub = Buffer.alloc(4);
    sub.writeUInt32BE(2);
    w.write(sub);
    w.write(vncAuthResponse(Buffer.from(PASSWORD), await w.read(16)));
    expect((await w.read(4)).readUInt32BE(0)).toBe(0);
    await checkPixels(w, a);
    w.close();
    expect(await closedLine()).toMatch(/security VeNCrypt, VeNCrypt VncAuth, auth ok, /);
  });

  it('X509Vnc: verifies the server certificate, authenticates inside TLS, and serves correct pixels', async () => {
    const a = await start(PASSWORD);
    const w = await Wire.connect(Wire.portOf(a.vncUrl!));
    await negotiate(w);
    const sub = Buffer.alloc(4);
    sub.writeUInt32BE(VeNCryptSubtype.X509Vnc);
    w.write(sub);
    expect((await w.read(1))[0]).toBe(1);
    await w.startTls({ ca: fs.readFileSync(certs.cert), servername: 'localhost' });
    w.write(vncAuthResponse(Buffer.from(PASSWORD), await w.read(16)));
    expect((await w.read(4)).readUInt32BE(0)).toBe(0);
    await checkPixels(w, a);
    w.close();
    expect(await closedLine()).toMatch(/RFB 3\.8, security VeNCrypt, VeNCrypt X509Vnc, auth ok, /);
  });

  it('TLSVnc (anonymous TLS): a wrong password is refused inside TLS', async () => {
    const a = await start(PASSWORD);
    const w = await Wire.connect(Wire.portOf(a.vncUrl!));
    await negotiate(w);
    const sub = Buffer.alloc(4);
    sub.writeUInt32BE(VeNCryptSubtype.TLSVnc);
    w.write(sub);
    expect((await w.read(1))[0]).toBe(1);
    await w.startTls({ ciphers: 'aNULL:@SECLEVEL=0', maxVersion: 'TLSv1.2', rejectUnauthorized: false, checkServerIdentity: () => undefined });
    w.write(vncAuthResponse(Buffer.from('nope'), await w.read(16)));
    const bytes = await w.readToClose();
    expect(bytes.readUInt32BE(0)).toBe(1);
    expect(bytes.subarray(8).toString()).toBe('authentication failed');
    expect(await closedLine()).toContain('VeNCrypt TLSVnc, auth failed, ');
  });

  it('X509None and TLSNone without a password; pixels flow over TLS', async () => {
    const a = await start(null);
    for (const [subtype, opts] of [
      [VeNCryptSubtype.X509None, { ca: fs.readFileSync(certs.cert), servername: 'localhost' }],
      [VeNCryptSubtype.TLSNone, { ciphers: 'aNULL:@SECLEVEL=0', maxVersion: 'TLSv1.2' as const, rejectUnauthorized: false }],
    ] as const) {
      const w = await Wire.connect(Wire.portOf(a.vncUrl!));
      expect(await negotiate(w)).toEqual([VeNCryptSubtype.X509None, VeNCryptSubtype.TLSNone, 1]);
      const sub = Buffer.alloc(4);
      sub.writeUInt32BE(subtype);
      w.write(sub);
      expect((await w.read(1))[0]).toBe(1);
      await w.startTls(opts);
      expect((await w.read(4)).readUInt32BE(0)).toBe(0); // SecurityResult OK (3.8)
      await checkPixels(w, a);
      w.close();
    }
    for (let i = 0; i < 200 && logs.filter((l) => l.includes('closed:')).length < 2; i++) await sleep(25);
    const lines = logs.filter((l) => l.includes('closed:'));
    expect(lines[0]).toContain('security VeNCrypt, VeNCrypt X509None, no auth, ');
    expect(lines[1]).toContain('security VeNCrypt, VeNCrypt TLSNone, no auth, ');
  });

  it('refuses a subtype it did not offer, and a VeNCrypt version other than 0.2', async () => {
    const a = await start(PASSWORD);
    const w = await Wire.connect(Wire.portOf(a.vncUrl!));
    await negotiate(w);
    const sub = Buffer.alloc(4);
    sub.writeUInt32BE(VeNCryptSubtype.TLSPlain);
    w.write(sub);
    expect((await w.readToClose())[0]).toBe(0);
    expect(await closedLine()).toContain('RFB_ERR_UNSUPPORTED_SECURITY: client chose VeNCrypt TLSPlain, which was not offered');

    logs.length = 0;
    const v = await Wire.connect(Wire.portOf(a.vncUrl!));
    await v.read(12);
    v.write('RFB 003.008\n');
    await v.read(3);
    v.write(Buffer.from([19]));
    await v.read(2);
    v.write(Buffer.from([0, 1]));
    expect((await v.readToClose())[0]).toBe(0xff);
    expect(await closedLine()).toContain('client asked for VeNCrypt 0.1');
  });

  it('a client that stalls in the TLS handshake is timed out', async () => {
    logs = [];
    app = await startApp(idleGuest, {
      log: (l) => logs.push(l),
      rfb: { handshakeTimeoutMs: 300, security: new SecurityPolicy({ password: Buffer.from(PASSWORD), tls: loadTlsCredentials(certs.cert, certs.key) }) },
    });
    const w = await Wire.connect(Wire.portOf(app.vncUrl!));
    await negotiate(w);
    const sub = Buffer.alloc(4);
    sub.writeUInt32BE(VeNCryptSubtype.X509Vnc);
    w.write(sub);
    await w.read(1);
    w.write(Buffer.from([0x16, 0x03, 0x01])); // the first bytes of a ClientHello, then nothing
    await w.readToClose();
    expect(await closedLine()).toContain('RFB_ERR_TIMEOUT: handshake not finished within 300 ms');
  });

  it('a client that speaks garbage instead of a TLS ClientHello is dropped with a logged reason', async () => {
    const a = await start(PASSWORD);
    const w = await Wire.connect(Wire.portOf(a.vncUrl!));
    await negotiate(w);
    const sub = Buffer.alloc(4);
    sub.writeUInt32BE(VeNCryptSubtype.X509Vnc);
    w.write(sub);
    await w.read(1);
    w.write(Buffer.alloc(64, 0x41));
    await w.readToClose();
    expect(await closedLine()).toContain('RFB_ERR_TLS: TLS handshake failed');
  });
});
