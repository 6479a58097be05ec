// A vitest matcher: `await expect(screen).toMatchNeedle(needle, { timeoutMs })`, or on a picture, synchronously.
//   import { installScreenMatchers } from 'vramvnc/screen/vitest'; installScreenMatchers();
import { expect } from 'vitest';
import { describeMatch, matchNeedles, writeMatchFailure } from './needle-match.js';
import { resolveNeedles, Screen, type NeedleInput } from './session.js';
import type { RgbaImage } from './image.js';

export interface ToMatchNeedleOptions {
  /** For a Screen: how long to wait for the needle (default 10 s; 0 with .not, which checks once). */
  timeoutMs?: number;
  outDir?: string;
}

declare module 'vitest' {
  interface Matchers<T = any> {
    /** Passes when the screen (waiting on a Screen) or picture matches one of the needles. */
    toMatchNeedle(needles: NeedleInput, opts?: ToMatchNeedleOptions): T extends Screen ? Promise<void> : void;
  }
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function isImage(v: unknown): v is RgbaImage {
  return typeof v === 'object' && v !== null && 'width' in v && 'height' in v && (v as RgbaImage).data instanceof Uint8Array;
}

function toMatchNeedle(this: { isNot?: boolean }, received: unknown, needles: NeedleInput, opts: ToMatchNeedleOptions = {}): MatcherResult | Promise<MatcherResult> {
  const list = resolveNeedles(needles);
  const names = list.map((n) => `'${n.name}'`).join(', ');
  if (received instanceof Screen) {
    const timeoutMs = opts.timeoutMs ?? (this.isNot ? 0 : 10_000);
    return received.checkScreen(list, { timeoutMs }).then((r) => {
      if (r.ok) return { pass: true, message: () => `expected the screen not to match ${names}, but ${describeMatch(r.match!)} matched` };
      const files = r.best && !this.isNot ? writeMatchFailure(received.screenshot(), r.best, opts.outDir ?? received.outDir) : null;
      const where = files ? `; see ${files.diff}` : '';
      return { pass: false, message: () => `expected the screen to match ${names} within ${timeoutMs} ms; best candidate ${r.best ? describeMatch(r.best) : 'none'}${where}` };
    });
  }
  if (!isImage(received)) throw new TypeError('toMatchNeedle expects a Screen or an RGBA image {width, height, data}');
  const { match, best } = matchNeedles(received, list);
  if (match) return { pass: true, message: () => `expected the picture not to match ${names}, but ${describeMatch(match)} matched` };
  const files = best && !this.isNot && opts.outDir ? writeMatchFailure(received, best, opts.outDir) : null;
  return {
    pass: false,
    message: () => `expected the picture to match ${names}; best candidate ${best ? describeMatch(best) : 'none'}${files ? `; see ${files.diff}` : ''}`,
  };
}

/** Register toMatchNeedle with vitest's expect (call once, e.g. in a setup file). */
export function installScreenMatchers(): void {
  expect.extend({ toMatchNeedle });
}
