// Every client command takes the VNC password, from --password or from VNC_PASSWORD (issue 14:
// `vramvnc screenshot` had no --password at all), and a wrong one says so once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { SecurityPolicy } from '../../src/rfb/security/policy.js';
import { startApp } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';

const PASSWORD = 'pw-cli-1';
let app: VramVnc;
let dir: string;
beforeAll(async () => {
  delete process.env.VNC_PASSWORD; // the commands must not find one unless a test gives it
  app = await startApp(idleGuest, { rfb: { security: new SecurityPolicy({ password: Buffer.from(PASSWORD), failureDelayMs: 10 }) } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-pw-'));
});
afterAll(async () => {
  await app.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Each client command, with what it prints on success. */
const commands = (): [string, string[], RegExp][] => [
  ['screenshot', ['screenshot', app.vncUrl!, path.join(dir, 'shot.png')], /shot\.png: 1024x768 from vramvnc \(idle\)/],
  ['assert-screen', ['assert-screen', app.vncUrl!, 'fixtures/needles/vramvnc/idle-title.json'], /^matched 'idle-title'/],
  ['wait-still', ['wait-still', app.vncUrl!, '--still-ms', '200'], /^still for 200 ms/],
  ['type', ['type', app.vncUrl!, 'hi'], /^$/],
  ['key', ['key', app.vncUrl!, 'ret'], /^$/],
  ['needle', ['needle', app.vncUrl!, '--area', '61,61,200,22', '-o', path.join(dir, 'n.json')], /n\.json: 1 area/],
];

describe('client commands against a password-protected server', () => {
  it('each one works with --password, and with VNC_PASSWORD', async () => {
    for (const [name, args, ok] of commands()) {
      const flag = await runCli([...args, '--password', PASSWORD]);
      expect(flag, `${name} --password`).toMatchObject({ code: 0 });
      expect(flag.stdout, name).toMatch(ok);
      const env = await runCli(args, { VNC_PASSWORD: PASSWORD });
      expect(env, `${name} with VNC_PASSWORD`).toMatchObject({ code: 0 });
    }
  });

  it('without a password each one says to give one; a wrong one says "authentication failed" once', async () => {
    for (const [name, args] of commands()) {
      const none = await runCli(args);
      expect(none.code, name).toBe(1);
      expect(none.stderr, name).toMatch(/server requires VNC Authentication: give a password/);
      const wrong = await runCli([...args, '--password', 'nope']);
      expect(wrong.code, name).toBe(1);
      expect(wrong.stderr, name).toMatch(/authentication failed \(wrong password\?\)\n$/);
      expect(wrong.stderr, name).not.toMatch(/authentication failed: authentication failed/);
    }
  }, 60_000);
});
