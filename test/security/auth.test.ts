// VNC Authentication end to end: the headless client and raw peers against a password-protected server.
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { AuthBackoff } from '../../src/rfb/security/backoff.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { vncAuthResponse } from '../../src/rfb/security/vnc-auth.js';
import { clientImage, connect, countDiff, fetchScreenshot, sleep, startApp } from '../helpers/app.js';
import { readServerInit, Wire } from './wire.js';

const PASSWORD = 'tr0ub4dor';
let app: VramVnc | null = null;
let logs: string[] = [];
afterEach(async () => {
  await app?.stop();
  app = null;
});

async function start(policy: Partial<ConstructorParameters<typeof SecurityPolicy>[0]> = {}): Promise<VramVnc> {
  logs = [];
  app = await startApp(idleGuest, {
    log: (l) => logs.push(l),
    rfb: { security: new SecurityPolicy({ password: Buffer.from(PASSWORD), anonymousTls: false, failureDelayMs: 100, ...policy }) },
  });
  return app;
}

/** Wait until the server has written its one line about a connection that closed. */
async function closedLine(match: RegExp): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const l = logs.find((x) => match.test(x));
    if (l) return l;
    await sleep(25);
  }
  throw new Error(`no log line matching ${match}; got:\n${logs.join('\n')}`);
}

describe('VNC Authentication', () => {
  it('a client with the right password gets the screen', async () => {
    const a = await start();
    const c = await connect(a, { password: PASSWORD });
    await c.waitFirstFrame();
    expect(countDiff(clientImage(c), await fetchScreenshot(a))).toBe(0);
    c.close();
    const line = await closedLine(/closed:/);
    expect(line).toMatch(/^127\.0\.0\.1:\d+ RFB 3\.8, security VncAuth, auth ok, [\d.]+ s, \d+ bytes sent, closed: connection closed by client$/);
  });

  it('a client without a password is refused (None is not offered)', async () => {
    const a = await start();
    await expect(connect(a)).rejects.toThrow('server requires VNC Authentication: give a password');
  });

  it('a wrong password is refused after the failure delay, and logged without the password', async () => {
    const a = await start();
    const t0 = Date.now();
    await expect(connect(a, { password: 'wrong' })).rejects.toThrow(/authentication failed \(wrong password\?\)$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    const line = await closedLine(/closed:/);
    expect(line).toContain('security VncAuth, auth failed');
    expect(line).toContain('RFB_ERR_AUTH_FAILED: wrong password');
    expect(logs.join('\n')).not.toContain(PASSWORD);
    expect(logs.join('\n')).not.toContain('wrong,');
  });

  it('after repeated failures the address is blocked, and a blocked client cannot tell it from a wrong password', async () => {
    const backoff = new AuthBackoff({ threshold: 3, initialBlockMs: 60_000 });
    const a = await start({ backoff });
    const port = Wire.portOf(a.vncUrl!);
    // the raw bytes a client sees after its response: wrong password vs. right password while blocked
    async function attempt(password: string): Promise<{ bytes: Buffer; ms: number }> {
      const w = await Wire.connect(port);
      await w.read(12);
      w.write('RFB 003.008\n');
      expect([...(await w.read(2))]).toEqual([1, 2]);
      w.write(Buffer.from([2]));
      const challenge = await w.read(16);
      const t0 = Date.now();
      w.write(vncAuthResponse(Buffer.from(password), challenge));
      const bytes = await w.readToClose();
      return { bytes, ms: Date.now() - t0 };
    }
    const wrong = [];
    for (let i = 0; i < 3; i++) wrong.push(await attempt('nope'));
    expect(backoff.blockedFor('127.0.0.1')).toBeGreaterThan(0);
    const blocked = await attempt(PASSWORD);
    for (const r of [...wrong, blocked]) {
      // SecurityResult failed, reason "authentication failed": the same bytes every time
      expect(r.bytes.toString('hex')).toBe(Buffer.concat([Buffer.from('0000000100000015', 'hex'), Buffer.from('authentication failed')]).toString('hex'));
      expect(r.ms).toBeGreaterThanOrEqual(95); // both wait out the same failure delay
    }
    await closedLine(/address blocked for another \d+ s/);
    expect(logs.filter((l) => /address now blocked for 60 s/.test(l))).toHaveLength(1);
    // the headless client with the right password is refused too while blocked
    await expect(connect(a, { password: PASSWORD })).rejects.toThrow('authentication failed');
    // and success clears the record once the block is lifted
    backoff.recordSuccess('127.0.0.1');
    const c = await connect(a, { password: PASSWORD });
    c.close();
  });

  it.each([3, 7] as const)('RFB 3.%i clients authenticate too (server-chosen type for 3.3, no reason string)', async (minor) => {
    const a = await start();
    for (const [pw, ok] of [
      [PASSWORD, true],
      ['bad', false],
    ] as const) {
      const w = await Wire.connect(Wire.portOf(a.vncUrl!));
      await w.read(12);
      w.write(`RFB 003.00${minor}\n`);
      if (minor === 3) expect((await w.read(4)).readUInt32BE(0)).toBe(2);
      else {
        expect([...(await w.read(2))]).toEqual([1, 2]);
        w.write(Buffer.from([2]));
      }
      w.write(vncAuthResponse(Buffer.from(pw), await w.read(16)));
      if (ok) {
        expect((await w.read(4)).readUInt32BE(0)).toBe(0);
        w.write(Buffer.from([1]));
        expect(await readServerInit(w)).toMatchObject({ width: 1024, height: 768 });
        w.close();
      } else {
        expect((await w.readToClose()).toString('hex')).toBe('00000001');
      }
    }
  });

  it('refuses a security type it did not offer, with a reason', async () => {
    const a = await start();
    const w = await Wire.connect(Wire.portOf(a.vncUrl!));
    await w.read(12);
    w.write('RFB 003.008\n');
    await w.read(2);
    w.write(Buffer.from([1]));
    const bytes = await w.readToClose();
    expect(bytes.readUInt32BE(0)).toBe(1);
    expect(bytes.subarray(8).toString()).toBe('security type 1 is not offered');
    expect(await closedLine(/closed:/)).toContain('RFB_ERR_UNSUPPORTED_SECURITY: client chose security None, which was not offered');
  });

  it('a client that stalls before answering the challenge is timed out', async () => {
    logs = [];
    app = await startApp(idleGuest, {
      log: (l) => logs.push(l),
      rfb: { handshakeTimeoutMs: 200, security: new SecurityPolicy({ password: Buffer.from(PASSWORD), anonymousTls: false }) },
    });
    const w = await Wire.connect(Wire.portOf(app.vncUrl!));
    await w.read(12);
    w.write('RFB 003.008\n');
    await w.read(2);
    w.write(Buffer.from([2]));
    await w.read(16);
    await w.readToClose();
    expect(await closedLine(/closed:/)).toContain('security VncAuth, ');
    expect(logs.join()).toContain('RFB_ERR_TIMEOUT: handshake not finished within 200 ms');
  });
});
