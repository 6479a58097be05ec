// The README and docs stand on their own (issue 14: the README linked ../shared/DESIGN.md, outside the
// repository; docs/desktop.png was stale and nothing made it; fixtures/needles was never mentioned).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';

const readme = fs.readFileSync('README.md', 'utf8');

describe('README and docs', () => {
  it('every relative link and picture of the README points to a file in the repository', () => {
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
    expect(targets.length).toBeGreaterThan(3);
    for (const t of targets) {
      expect(path.resolve(t).startsWith(process.cwd() + path.sep), `${t} leaves the repository`).toBe(true);
      expect(fs.existsSync(t), `${t} is missing`).toBe(true);
    }
    expect(readme).toContain('docs/ARCHITECTURE.md');
    expect(fs.readFileSync('docs/ARCHITECTURE.md', 'utf8')).toMatch(/What the tracker promises[\s\S]*Where each stage lives/);
  });

  it('has a first-five-minutes walk-through that uses the needles in fixtures/needles', () => {
    const section = readme.slice(readme.indexOf('## First five minutes'), readme.indexOf('## Command line'));
    expect(section.length).toBeGreaterThan(500);
    expect(section).toMatch(/--guest terminal/);
    expect(section).toMatch(/vramvnc type vnc:\/\//);
    const needle = /assert-screen vnc:\/\/\S+ (fixtures\/needles\/\S+\.json)/.exec(section)?.[1];
    expect(needle).toBeDefined();
    expect(fs.existsSync(needle!)).toBe(true);
  });

  it('scripts/docs-pictures.mjs makes the README pictures (the desktop over VNC, the viewer in Chromium)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-docs-'));
    try {
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, ['scripts/docs-pictures.mjs', '--out', out], { timeout: 90_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
      );
      expect(r, r.stderr).toMatchObject({ code: 0 });
      const size = (f: string) => {
        const p = PNG.sync.read(fs.readFileSync(path.join(out, f)));
        return [p.width, p.height];
      };
      expect(size('desktop.png')).toEqual([1024, 768]);
      expect(size('viewer.png')).toEqual([1440, 860]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
