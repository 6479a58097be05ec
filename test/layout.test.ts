// The source tree's shape (scripts/check-imports.mjs): no import cycle anywhere in src/ and client/
// (type-only imports included), every import along the layers (hypervisor <- vga -> display <- rfb
// <- transport, src/app.ts the one composition root; client/ only through the wire module).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

function check(...args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, ['scripts/check-imports.mjs', ...args], { encoding: 'utf8' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-layout-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A small tree: a composition root over the five layers, plus `extra` files. */
function tree(name: string, extra: Record<string, string>): string {
  const dir = path.join(tmp, name);
  const files: Record<string, string> = {
    'src/hypervisor/memory.ts': 'export const PAGE = 4096;\n',
    'src/display/surface.ts': 'export interface Rect { x: number }\n',
    'src/vga/device.ts': "import { PAGE } from '../hypervisor/memory.js';\nimport type { Rect } from '../display/surface.js';\nexport const r: Rect = { x: PAGE };\n",
    'src/rfb/server.ts': "import type { Rect } from '../display/surface.js';\nexport type R = Rect;\n",
    'src/transport/tcp.ts': "import type { R } from '../rfb/server.js';\nexport type T = R;\n",
    'src/app.ts': "import './hypervisor/memory.js';\nimport './vga/device.js';\nimport './display/surface.js';\nimport './rfb/server.js';\nimport './transport/tcp.js';\n",
    ...extra,
  };
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

describe('the import graph', () => {
  it('has no cycle and no import against the layers', () => {
    const { code, out } = check();
    expect(out, out).toMatch(/, 0 import cycles, 0 imports against the layers\n$/);
    expect(code).toBe(0);
  });

  it('the check passes a tree that follows the layers', () => {
    const { code, out } = check('--root', tree('good', {}));
    expect(out).toBe('6 files, 0 import cycles, 0 imports against the layers\n');
    expect(code).toBe(0);
  });

  it('the check fails on an upward import, a client reaching past the wire module, and a second root', () => {
    const dir = tree('bad', {
      'src/display/pipeline.ts': "import type { R } from '../rfb/server.js';\nexport type P = R;\n",
      'client/viewer.ts': "import '../src/rfb/server.js';\n",
      'src/rfb/everything.ts': "import '../hypervisor/memory.js';\nimport '../vga/device.js';\nimport '../display/surface.js';\nimport './server.js';\nimport '../transport/tcp.js';\n",
    });
    const { code, out } = check('--root', dir);
    expect(code).toBe(1);
    expect(out).toContain('against the layers: src/display/pipeline.ts -> src/rfb/server.ts (display may import only runtime)');
    expect(out).toContain('against the layers: client/viewer.ts -> src/rfb/server.ts (client/ imports only src/rfb/wire/');
    expect(out).toContain('against the layers: src/rfb/everything.ts -> src/vga/device.ts (rfb may import only display, runtime)');
    expect(out).toContain('files importing all of hypervisor, vga, display, rfb, transport: src/app.ts, src/rfb/everything.ts (should be src/app.ts alone)');
  });

  it('the check fails on a cycle made of type-only imports', () => {
    const dir = tree('cycle', {
      'src/rfb/a.ts': "import type { B } from './b.js';\nexport type A = B[];\n",
      'src/rfb/b.ts': "import type { A } from './a.js';\nexport type B = A | number;\n",
    });
    const { code, out } = check('--root', dir);
    expect(code).toBe(1);
    expect(out).toContain('cycle: src/rfb/a.ts <-> src/rfb/b.ts');
  });
});
