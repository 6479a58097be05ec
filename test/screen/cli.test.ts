// The screen-test CLI (assert-screen, wait-still, type, key, needle) run as a real process (dist/, built by npm test).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readPng } from '../../client/screen/image.js';
import { loadNeedle } from '../../client/screen/needle.js';
import { idleGuest } from '../../src/guest/programs.js';
import type { VramVnc } from '../../src/app.js';
import type { InputEvent } from '../../src/guest/input-devices.js';
import { countDiff, startApp } from '../helpers/app.js';

const CLI = path.resolve('dist/src/cli/main.js');

function vramvnc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

let app: VramVnc | null = null;
let tmp = '';

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
});

afterEach(async () => {
  await app?.stop();
  app = null;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = '';
});

function tmpDir(): string {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-cli-'));
  return tmp;
}

describe('vramvnc screen commands', () => {
  it('needle writes an openQA needle JSON beside a copy of the screenshot', async () => {
    const dir = tmpDir();
    fs.copyFileSync('fixtures/needles/vramvnc/idle-title.png', path.join(dir, 'shot.png'));
    const r = await vramvnc('needle', path.join(dir, 'shot.png'), '--area', '61,61,200,22', '--exclude', '70,65,10,10', '--tag', 'a', '--tag', 'b', '--match', '90', '--margin', '5', '-o', path.join(dir, 'title.json'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'title.json'), 'utf8'))).toEqual({
      tags: ['a', 'b'],
      area: [
        { xpos: 61, ypos: 61, width: 200, height: 22, type: 'match', match: 90, margin: 5 },
        { xpos: 70, ypos: 65, width: 10, height: 10, type: 'exclude' },
      ],
      properties: [],
    });
    expect(countDiff(readPng(path.join(dir, 'title.png')), readPng(path.join(dir, 'shot.png')))).toBe(0);
    expect(loadNeedle(path.join(dir, 'title.json')).tags).toEqual(['a', 'b']);
  });

  it('needle rejects an area outside the picture', async () => {
    const dir = tmpDir();
    fs.copyFileSync('fixtures/needles/vramvnc/idle-title.png', path.join(dir, 'shot.png'));
    const r = await vramvnc('needle', path.join(dir, 'shot.png'), '--area', '1000,700,100,100');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('vramvnc: shot: area 1: 100x100+1000+700 lies outside the 1024x768 needle image\n');
  });

  it('assert-screen exits 0 on a match', async () => {
    app = await startApp(idleGuest);
    const r = await vramvnc('assert-screen', app.vncUrl!, 'fixtures/needles/vramvnc/idle-title.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^matched 'idle-title' at 61,61 4,740: 100\.0% after \d+ ms\n$/);
  });

  it('assert-screen exits 1 with a one-line reason and the three PNGs; 2 for a directory without --tag', async () => {
    app = await startApp(idleGuest);
    const dir = tmpDir();
    const r = await vramvnc('assert-screen', app.vncUrl!, 'fixtures/needles/qemu', '--tag', 'seabios', '--timeout-ms', '300', '--out-dir', dir);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(/^vramvnc: no needle matched within 300 ms: best candidate 'seabios-[\w-]+' .* pixels differ\); see .*\{actual,expected,diff\}\.png\n$/);
    const name = /best candidate '([\w-]+)'/.exec(r.stderr)![1]!;
    for (const kind of ['actual', 'expected', 'diff']) expect(fs.existsSync(path.join(dir, `${name}.${kind}.png`))).toBe(true);
    const usage = await vramvnc('assert-screen', app.vncUrl!, 'fixtures/needles/qemu');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('vramvnc: fixtures/needles/qemu is a directory: give --tag T to choose needles from it\n');
  });

  it('assert-screen exits 1 when nothing listens', async () => {
    app = await startApp(idleGuest);
    const url = app.vncUrl!;
    await app.stop();
    app = null;
    const r = await vramvnc('assert-screen', url, 'fixtures/needles/vramvnc/idle-title.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^vramvnc: cannot connect to vnc:\/\/127\.0\.0\.1:\d+: socket error: connect ECONNREFUSED/);
  });

  it('wait-still exits 0 on a still screen', async () => {
    app = await startApp(idleGuest);
    const r = await vramvnc('wait-still', app.vncUrl!, '--still-ms', '200');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^still for 200 ms after \d+ ms \(0 changes seen\)\n$/);
  });

  it('type and key deliver their keysyms to the guest before the command exits', async () => {
    app = await startApp(idleGuest);
    const events: InputEvent[] = [];
    app.input.onEvent((e) => events.push(e));
    expect((await vramvnc('type', app.vncUrl!, 'ok')).code).toBe(0);
    expect((await vramvnc('key', app.vncUrl!, 'ctrl-alt-delete ret')).code).toBe(0);
    const keys = events.map((e) => (e.kind === 'key' ? `${e.down ? '+' : '-'}${e.keysym.toString(16)}` : '?'));
    expect(keys).toEqual(['+6f', '-6f', '+6b', '-6b', '+ffe3', '+ffe9', '+ffff', '-ffff', '-ffe9', '-ffe3', '+ff0d', '-ff0d']);
    const bad = await vramvnc('key', app.vncUrl!, 'ctrl-banana');
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/^vramvnc: unknown key 'banana'/) });
  });
});
