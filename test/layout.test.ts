// The source tree's shape: no import cycle anywhere in src/ and client/ (type-only imports included).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the import graph', () => {
  it('has no cycle (scripts/check-imports.mjs)', () => {
    let out = '';
    let code = 0;
    try {
      out = execFileSync(process.execPath, ['scripts/check-imports.mjs'], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      code = e.status;
      out = e.stdout;
    }
    expect(out, out).toMatch(/, 0 import cycles\n$/);
    expect(code).toBe(0);
  });
});
