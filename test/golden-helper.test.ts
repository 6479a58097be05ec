// The golden-PNG comparison of the tests themselves: a mismatch must be reported (and its pictures
// written for a look), not end in an error of the helper.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { compareGolden } from './helpers/app.js';

describe('compareGolden', () => {
  it('reports one changed pixel and writes the actual and diff pictures to test-output/', () => {
    const golden = PNG.sync.read(fs.readFileSync(path.resolve('fixtures/golden/idle.png')));
    const actual = { width: golden.width, height: golden.height, data: Uint8Array.from(golden.data) };
    actual.data[0] ^= 0xff;
    const out = path.resolve('test-output');
    fs.rmSync(path.join(out, 'idle.actual.png'), { force: true });
    fs.rmSync(path.join(out, 'idle.diff.png'), { force: true });
    expect(compareGolden('idle.png', { ...actual, data: Uint8Array.from(golden.data) }).diff).toBe(0);
    const r = compareGolden('idle.png', actual);
    expect(r.diff).toBe(1);
    expect(r.message).toContain('1 pixels differ');
    expect(PNG.sync.read(fs.readFileSync(path.join(out, 'idle.actual.png'))).data[0]).toBe(actual.data[0]);
    expect(fs.existsSync(path.join(out, 'idle.diff.png'))).toBe(true);
  });
});
