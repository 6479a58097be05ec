// Matching a screen against needles (needle.ts), and the pictures of a failed match.
//
// Similarity (documented in the README), in the spirit of os-autoinst's: both pictures are turned grey
// (Y = (77 R + 150 G + 29 B) / 256). For one match area at one position on the screen, each pixel whose
// grey levels differ by less than 16 costs nothing; otherwise it costs ((round(a/16) - round(b/16)) * 16)^2.
// mse is the mean cost over the area's pixels (pixels under exclude areas are not counted), and
//   similarity = clamp(0.9 + (40 - mse) / 380, 0, 1)
// so mse 2 gives 100 %, mse 17.2 gives 96 %, mse 40 gives 90 %. The area may sit anywhere within
// `margin` pixels of where it is in the needle (default 50, as in openQA); its similarity is the best
// over those positions, and it passes when that is at least `match` percent (default 96). A needle
// matches when all its match areas pass; its similarity is that of its worst area. Unlike os-autoinst
// there is no blur before comparing (screens here are lossless), and `ocr` areas are ignored.
import fs from 'node:fs';
import path from 'node:path';
import { copyImage, encodePng, outlineRect, type RgbaImage } from './image.js';
import { DEFAULT_MARGIN, DEFAULT_MATCH_LEVEL, type Needle } from './needle.js';

/** The result of matching one area: where it fitted best and how well. */
export interface AreaMatch {
  /** Index into needle.area. */
  index: number;
  /** The area's best position on the screen (equal to the needle's xpos/ypos when it did not move). */
  x: number;
  y: number;
  w: number;
  h: number;
  /** 0..1, see the header comment; only an upper bound when `exact` is false. */
  similarity: number;
  /** Required level, 0..1. */
  level: number;
  ok: boolean;
  /** False when the search stopped early (first-fit mode) and similarity is only a bound. */
  exact: boolean;
  /** Compared pixels whose grey levels differ by 16 or more at the best position (-1: not computed). */
  differing: number;
  /** Compared (non-excluded) pixels. */
  pixels: number;
}

export interface NeedleMatch {
  needle: Needle;
  ok: boolean;
  /** The worst area's similarity, 0..1. */
  similarity: number;
  areas: AreaMatch[];
}


/** One match area flattened: grey level per pixel, -1 where an exclude area covers it. */
interface CompiledArea {
  grey: Int16Array;
  counted: number;
  /** Rows with the most edges first: a wrong position shows there soonest, so the search stops early. */
  rowOrder: Uint16Array;
}

const compiled = new WeakMap<Needle, Map<number, CompiledArea>>();

const greyOf = (r: number, g: number, b: number) => (r * 77 + g * 150 + b * 29) >> 8;

/** The cost of one pixel pair of grey levels (see the header comment). */
function pixelCost(a: number, b: number): number {
  if (Math.abs(a - b) < 16) return 0;
  const d = (Math.round(a / 16) - Math.round(b / 16)) * 16;
  return d * d;
}

/** mse → similarity 0..1. */
export const similarityOfMse = (mse: number): number => Math.max(0, Math.min(1, 0.9 + (40 - mse) / 380));
/** The largest mse a level (0..1) still accepts. */
export const mseForLevel = (level: number): number => 40 - (level - 0.9) * 380;

function compileArea(n: Needle, index: number): CompiledArea {
  let m = compiled.get(n);
  if (!m) compiled.set(n, (m = new Map()));
  const hit = m.get(index);
  if (hit) return hit;
  const a = n.area[index]!;
  const excl = n.area.filter((e) => e.type === 'exclude');
  const grey = new Int16Array(a.width * a.height);
  let counted = 0;
  const d = n.image.data;
  for (let r = 0; r < a.height; r++) {
    const y = a.ypos + r;
    for (let c = 0; c < a.width; c++) {
      const x = a.xpos + c;
      if (excl.some((e) => x >= e.xpos && x < e.xpos + e.width && y >= e.ypos && y < e.ypos + e.height)) {
        grey[r * a.width + c] = -1;
        continue;
      }
      const o = (y * n.image.width + x) * 4;
      grey[r * a.width + c] = greyOf(d[o]!, d[o + 1]!, d[o + 2]!);
      counted++;
    }
  }
  const edges = (r: number) => {
    let e = 0;
    for (let c = 1; c < a.width; c++) {
      const p = grey[r * a.width + c - 1]!;
      const q = grey[r * a.width + c]!;
      if (p >= 0 && q >= 0) e += Math.abs(p - q);
    }
    return e;
  };
  const energy = Array.from({ length: a.height }, (_, r) => edges(r));
  const rowOrder = Uint16Array.from(energy.map((_, r) => r).sort((x, y) => energy[y]! - energy[x]! || x - y));
  const out = { grey, counted, rowOrder };
  m.set(index, out);
  return out;
}

/** Total cost of the area (w wide) placed at sx,sy on screen; stops once a row ends above limit. */
function areaCost(screen: RgbaImage, { grey, rowOrder }: CompiledArea, w: number, sx: number, sy: number, limit: number): number {
  const sd = screen.data;
  let sum = 0;
  for (const r of rowOrder) {
    let so = ((sy + r) * screen.width + sx) * 4;
    const po = r * w;
    for (let c = 0; c < w; c++, so += 4) {
      const v = grey[po + c]!;
      if (v < 0) continue;
      const s = (sd[so]! * 77 + sd[so + 1]! * 150 + sd[so + 2]! * 29) >> 8;
      if (s - v < 16 && v - s < 16) continue;
      sum += pixelCost(s, v);
    }
    if (sum > limit) return sum;
  }
  return sum;
}

/** Offsets within margin, nearest first: (0,0), then each ring of Chebyshev distance 1, 2, ... */
function* offsets(margin: number): Generator<[number, number]> {
  yield [0, 0];
  for (let d = 1; d <= margin; d++) {
    for (let dx = -d; dx <= d; dx++) {
      yield [dx, -d];
      yield [dx, d];
    }
    for (let dy = -d + 1; dy <= d - 1; dy++) {
      yield [-d, dy];
      yield [d, dy];
    }
  }
}

export type MatchMode = 'first' | 'best';

/** Pixels of the area at x,y whose grey levels differ by 16 or more (for messages). */
function differingPixels(screen: RgbaImage, grey: Int16Array, w: number, h: number, x: number, y: number): number {
  let n = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const v = grey[r * w + c]!;
      if (v < 0) continue;
      const o = ((y + r) * screen.width + x + c) * 4;
      if (Math.abs(greyOf(screen.data[o]!, screen.data[o + 1]!, screen.data[o + 2]!) - v) >= 16) n++;
    }
  }
  return n;
}

/**
 * Match one area. 'first' stops at the nearest position that passes (cheap; a failing area then has
 * only a bound on its similarity); 'best' finds the best position exactly (branch and bound).
 */
export function matchArea(screen: RgbaImage, n: Needle, index: number, mode: MatchMode): AreaMatch {
  const a = n.area[index]!;
  const area = compileArea(n, index);
  const { grey, counted } = area;
  const level = (a.match ?? DEFAULT_MATCH_LEVEL) / 100;
  const margin = a.margin ?? DEFAULT_MARGIN;
  const base = { index, w: a.width, h: a.height, level };
  if (counted === 0) return { ...base, x: a.xpos, y: a.ypos, similarity: 1, ok: true, exact: true, differing: 0, pixels: 0 };
  const allowed = mseForLevel(level) * counted; // the largest total cost that passes
  let best = Infinity;
  let bx = a.xpos;
  let by = a.ypos;
  for (const [dx, dy] of offsets(margin)) {
    const sx = a.xpos + dx;
    const sy = a.ypos + dy;
    if (sx < 0 || sy < 0 || sx + a.width > screen.width || sy + a.height > screen.height) continue;
    const limit = mode === 'first' ? Math.min(allowed, best) : best;
    const cost = areaCost(screen, area, a.width, sx, sy, limit);
    if (cost < best) {
      best = cost;
      bx = sx;
      by = sy;
      if ((mode === 'first' && cost <= allowed) || cost === 0) break;
    }
  }
  if (best === Infinity) {
    // the area fits on this screen at no allowed position
    return { ...base, x: a.xpos, y: a.ypos, similarity: 0, ok: false, exact: true, differing: counted, pixels: counted };
  }
  const ok = best <= allowed;
  const exact = mode === 'best' || ok;
  const differing = exact ? differingPixels(screen, grey, a.width, a.height, bx, by) : -1;
  return { ...base, x: bx, y: by, similarity: similarityOfMse(best / counted), ok, exact, differing, pixels: counted };
}

/** Match a needle against a screen. */
export function matchNeedle(screen: RgbaImage, n: Needle, mode: MatchMode = 'best'): NeedleMatch {
  const areas: AreaMatch[] = [];
  for (let i = 0; i < n.area.length; i++) {
    if (n.area[i]!.type !== 'match') continue;
    const m = matchArea(screen, n, i, mode);
    areas.push(m);
    if (mode === 'first' && !m.ok) break; // one failing area fails the needle
  }
  return { needle: n, ok: areas.every((a) => a.ok), similarity: Math.min(...areas.map((a) => a.similarity)), areas };
}

/**
 * Match several needles: the first that passes (in the order given), or else the best candidate with
 * exact similarities for its report.
 */
export function matchNeedles(screen: RgbaImage, needles: Needle[]): { match: NeedleMatch | null; best: NeedleMatch | null } {
  for (const n of needles) {
    const m = matchNeedle(screen, n, 'first');
    if (m.ok) return { match: m, best: m };
  }
  let best: NeedleMatch | null = null;
  for (const n of needles) {
    const m = matchNeedle(screen, n, 'best');
    if (!best || m.similarity > best.similarity) best = m;
  }
  return { match: null, best };
}

/** One line saying why a candidate failed, e.g. "'login' 83.1% (area 1 at 10,20 120x16: 83.1% < 96%)". */
export function describeMatch(m: NeedleMatch): string {
  const pct = (v: number) => `${(Math.floor(v * 1000) / 10).toFixed(1)}%`;
  const bad = m.areas.filter((a) => !a.ok);
  const parts = (bad.length ? bad : m.areas).map((a) => {
    const na = m.needle.area[a.index]!;
    const moved = a.x !== na.xpos || a.y !== na.ypos ? ` (moved to ${a.x},${a.y})` : '';
    const px = a.differing >= 0 ? `, ${a.differing} of ${a.pixels} pixels differ` : '';
    return `area ${a.index + 1} ${a.w}x${a.h}+${na.xpos}+${na.ypos}${moved}: ${pct(a.similarity)} ${a.ok ? '≥' : '<'} ${pct(a.level)}${px}`;
  });
  return `'${m.needle.name}' ${pct(m.similarity)} (${parts.join('; ')})`;
}

export interface FailureFiles {
  actual: string;
  expected: string;
  diff: string;
}

/**
 * Write NAME.actual.png (the screen), NAME.expected.png (the needle's image) and NAME.diff.png: the
 * screen dimmed, each match area at its best position in its true colours where it agrees with the
 * needle, red where its grey level differs by 16 or more, dark blue where excluded, outlined green (passed) or yellow (failed).
 */
export function writeMatchFailure(screen: RgbaImage, m: NeedleMatch, outDir: string): FailureFiles {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, m.needle.name.replace(/[^\w.-]+/g, '_'));
  const files = { actual: `${base}.actual.png`, expected: `${base}.expected.png`, diff: `${base}.diff.png` };
  fs.writeFileSync(files.actual, encodePng(screen));
  fs.writeFileSync(files.expected, encodePng(m.needle.image));
  fs.writeFileSync(files.diff, encodePng(diffImage(screen, m)));
  return files;
}

export function diffImage(screen: RgbaImage, m: NeedleMatch): RgbaImage {
  const out = copyImage(screen);
  const d = out.data;
  for (let i = 0; i < d.length; i += 4) {
    const g = (d[i]! * 77 + d[i + 1]! * 150 + d[i + 2]! * 29) >> 10; // a quarter-bright grey
    d[i] = d[i + 1] = d[i + 2] = g;
    d[i + 3] = 255;
  }
  for (const a of m.areas) {
    const { grey } = compileArea(m.needle, a.index);
    const sd = screen.data;
    for (let r = 0; r < a.h; r++) {
      for (let c = 0; c < a.w; c++) {
        const o = ((a.y + r) * out.width + a.x + c) * 4;
        const v = grey[r * a.w + c]!;
        const rgb = v < 0 ? [0, 0, 96] : Math.abs(greyOf(sd[o]!, sd[o + 1]!, sd[o + 2]!) - v) >= 16 ? [255, 0, 0] : [sd[o]!, sd[o + 1]!, sd[o + 2]!];
        d[o] = rgb[0]!;
        d[o + 1] = rgb[1]!;
        d[o + 2] = rgb[2]!;
      }
    }
    outlineRect(out, { x: a.x - 1, y: a.y - 1, w: a.w + 2, h: a.h + 2 }, a.ok ? 0x00ff00 : 0xffff00);
  }
  return out;
}
