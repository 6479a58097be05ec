// The screen-testing API against TigerVNC's Xvnc (RFB 3.8, VNC Authentication, the cursor drawn into
// the framebuffer on the classic X root weave).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { connect, type Screen } from '../../client/screen/session.js';
import { createNeedle } from '../../client/screen/needle.js';
import { startXvnc, type Xvnc } from './helpers.js';

let xvnc: Xvnc | null = null;
let screen: Screen | null = null;
let tmp: string | null = null;

afterEach(async () => {
  await screen?.close();
  await xvnc?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  xvnc = screen = tmp = null;
});

describe('TigerVNC (Xvnc) as the VNC server', () => {
  it('authenticates, and finds the X cursor where the pointer moved it (a needle with a margin)', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-xvnc-'));
    const pass = path.join(tmp, 'passwd');
    fs.writeFileSync(pass, execFileSync('vncpasswd', ['-f'], { input: 's3cret\n' }));
    xvnc = await startXvnc(['-SecurityTypes', 'VncAuth', '-PasswordFile', pass]);
    await expect(connect(xvnc.url, { password: 'wrong' })).rejects.toThrow('protocol error: authentication failed: Authentication failure');
    screen = await connect(xvnc.url, { password: 's3cret' });
    expect([screen.width, screen.height, screen.client.serverVersion]).toEqual([320, 200, 'RFB 003.008']);
    // X starts with the cursor in the middle of the screen
    const cursor = { x: 144, y: 84, w: 32, h: 32 };
    const here = createNeedle(screen.screenshot(), [cursor], { name: 'x-cursor', margin: 0 });
    const anywhere = createNeedle(screen.screenshot(), [cursor], { name: 'x-cursor-anywhere', margin: 140 });
    await screen.assertScreen(here, { timeoutMs: 1000 });
    const s = screen;
    await s.waitChange(() => s.mouseMove(40, 40));
    await s.waitStill({ stillMs: 200, timeoutMs: 5000 });
    expect((await s.checkScreen(here)).ok).toBe(false);
    const m = await s.assertScreen(anywhere, { timeoutMs: 1000 });
    expect([m.areas[0]!.x, m.areas[0]!.y]).toEqual([cursor.x - 120, cursor.y - 60]);
  });
});
