// vramvnc as a package: `npm pack`, install the tarball into a fresh project, type-check a strict
// TypeScript file that imports vramvnc, vramvnc/client and vramvnc/screen, and run it: it serves its
// own framebuffer, and the packaged headless client sees exactly its pixels, then exactly the change,
// with only the dirty rectangle sent.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve('.');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-pkg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

describe('the packed package', () => {
  it('installs into a fresh project, type-checks strictly, and serves a framebuffer the packaged client sees exactly', () => {
    // pack what `files` lists (dist is built by `npm test`'s tsc step)
    const tgz = run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', tmp], root).trim().split('\n').pop()!;
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'uses-vramvnc', private: true, type: 'module' }));
    // offline where it can: the registry packages are in npm's cache from this project's own install
    run('npm', ['install', '--prefer-offline', '--no-save', '--ignore-scripts', path.join(tmp, tgz)], app);
    fs.copyFileSync(path.join(root, 'test/library/serve-framebuffer.ts'), path.join(app, 'main.ts'));
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noImplicitAny: true,
          outDir: 'out',
          typeRoots: [path.join(root, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['main.ts'],
      }),
    );
    // type-check and compile against the installed package's declarations (no `any` escape: strict)
    run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
    const out = JSON.parse(run(process.execPath, ['out/main.js'], app).trim().split('\n').pop()!);
    expect(out).toEqual({ exact: true, exactAfter: true, rects: [{ x: 96, y: 48, w: 48, h: 32 }], size: [320, 200] });
  }, 240_000);
});
