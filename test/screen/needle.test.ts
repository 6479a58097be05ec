// Needles: the openQA JSON format, the similarity measure, exclude areas, margins, tags.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createNeedle,
  loadNeedle,
  NeedleError,
  needlesWithTag,
  saveNeedle,
  validateNeedleJson,
  type Needle,
} from '../../client/screen/needle.js';
import {
  describeMatch,
  matchNeedle,
  matchNeedles,
  mseForLevel,
  similarityOfMse,
} from '../../client/screen/needle-match.js';
import { copyImage, fillRect, type RgbaImage } from '../../client/screen/image.js';

/** A w x h picture of one grey level. */
function grey(w: number, h: number, level: number): RgbaImage {
  const img = { width: w, height: h, data: new Uint8Array(w * h * 4) };
  fillRect(img, { x: 0, y: 0, w, h }, (level << 16) | (level << 8) | level);
  return img;
}

function setGrey(img: RgbaImage, x: number, y: number, level: number): void {
  fillRect(img, { x, y, w: 1, h: 1 }, (level << 16) | (level << 8) | level);
}

describe('the similarity measure', () => {
  it('maps mse to similarity as documented: 2 → 100 %, 17.2 → 96 %, 40 → 90 %, ≥ 382 → 0', () => {
    expect(similarityOfMse(0)).toBe(1);
    expect(similarityOfMse(2)).toBe(1);
    expect(similarityOfMse(17.2)).toBeCloseTo(0.96, 12);
    expect(similarityOfMse(40)).toBeCloseTo(0.9, 12);
    expect(similarityOfMse(382)).toBe(0);
    expect(mseForLevel(0.96)).toBeCloseTo(17.2, 12);
  });

  it('ignores grey differences below 16 and charges quantised squares above', () => {
    const needle = createNeedle(grey(10, 10, 0), [{ x: 0, y: 0, w: 10, h: 10 }], { margin: 0 });
    expect(matchNeedle(grey(10, 10, 15), needle).similarity).toBe(1);
    // one pixel of 100 at grey 32: cost ((2 - 0) * 16)^2 = 1024, mse 10.24 → 97.8 %
    const one = grey(10, 10, 0);
    setGrey(one, 3, 3, 32);
    const m1 = matchNeedle(one, needle);
    expect(m1.similarity).toBeCloseTo(0.9 + (40 - 10.24) / 380, 12);
    expect(m1.ok).toBe(true);
    expect(m1.areas[0]!.differing).toBe(1);
    // two such pixels: mse 20.48 → 95.1 %, below the default 96 %
    setGrey(one, 4, 4, 32);
    const m2 = matchNeedle(one, needle);
    expect(m2.similarity).toBeCloseTo(0.9 + (40 - 20.48) / 380, 12);
    expect(m2.ok).toBe(false);
    // ... but enough at match 95
    expect(matchNeedle(one, createNeedle(grey(10, 10, 0), [{ x: 0, y: 0, w: 10, h: 10 }], { margin: 0, match: 95 })).ok).toBe(true);
  });

  it('compares grey levels (77 R + 150 G + 29 B) / 256, so colours of equal brightness match', () => {
    const red = { width: 4, height: 4, data: new Uint8Array(64) };
    fillRect(red, { x: 0, y: 0, w: 4, h: 4 }, 0x640000); // grey (100 * 77) >> 8 = 30
    const needle = createNeedle(grey(4, 4, 30), [{ x: 0, y: 0, w: 4, h: 4 }], { margin: 0 });
    expect(matchNeedle(red, needle).similarity).toBe(1);
  });
});

describe('matching', () => {
  const base = grey(64, 48, 0);
  fillRect(base, { x: 20, y: 10, w: 8, h: 6 }, 0xffffff);

  it('finds an area moved within its margin and reports where', () => {
    const needle = createNeedle(base, [{ x: 16, y: 8, w: 16, h: 10 }], { margin: 5 });
    const moved = grey(64, 48, 0);
    fillRect(moved, { x: 23, y: 12, w: 8, h: 6 }, 0xffffff);
    const m = matchNeedle(moved, needle);
    expect(m.ok).toBe(true);
    expect([m.areas[0]!.x, m.areas[0]!.y]).toEqual([19, 10]);
    expect(describeMatch(m)).toBe("'needle' 100.0% (area 1 16x10+16+8 (moved to 19,10): 100.0% ≥ 96.0%, 0 of 160 pixels differ)");
    // beyond the margin it is not found
    expect(matchNeedle(moved, createNeedle(base, [{ x: 16, y: 8, w: 16, h: 10 }], { margin: 2 })).ok).toBe(false);
  });

  it('does not count pixels under exclude areas', () => {
    const screen = copyImage(base);
    fillRect(screen, { x: 0, y: 0, w: 10, h: 10 }, 0xff00ff);
    const plain = createNeedle(base, [{ x: 0, y: 0, w: 40, h: 20 }], { margin: 0 });
    const excluding = createNeedle(base, [{ x: 0, y: 0, w: 40, h: 20 }], { margin: 0, exclude: [{ x: 0, y: 0, w: 10, h: 10 }] });
    expect(matchNeedle(screen, plain).ok).toBe(false);
    const m = matchNeedle(screen, excluding);
    expect(m.ok).toBe(true);
    expect(m.areas[0]!.pixels).toBe(800 - 100);
  });

  it('a needle passes only when every match area passes; its similarity is the worst area', () => {
    const needle = createNeedle(base, [
      { x: 0, y: 0, w: 10, h: 10 },
      { x: 20, y: 10, w: 8, h: 6 },
    ], { margin: 0 });
    const screen = copyImage(base);
    fillRect(screen, { x: 20, y: 10, w: 8, h: 6 }, 0x000000);
    const m = matchNeedle(screen, needle);
    expect(m.ok).toBe(false);
    expect(m.areas.map((a) => a.ok)).toEqual([true, false]);
    expect(m.similarity).toBe(0);
  });

  it('fails cleanly when the screen is smaller than the area', () => {
    const needle = createNeedle(base, [{ x: 40, y: 30, w: 20, h: 10 }], { margin: 0 });
    const m = matchNeedle(grey(32, 24, 0), needle);
    expect(m.ok).toBe(false);
    expect(m.similarity).toBe(0);
  });

  it('matchNeedles returns the first that passes, or else the best candidate with exact figures', () => {
    const a = createNeedle(base, [{ x: 16, y: 8, w: 16, h: 10 }], { margin: 0, name: 'a' });
    const wrong = grey(64, 48, 0);
    const b = createNeedle(wrong, [{ x: 16, y: 8, w: 16, h: 10 }], { margin: 0, name: 'b' });
    expect(matchNeedles(base, [b, a]).match!.needle.name).toBe('a');
    const half = grey(64, 48, 0);
    fillRect(half, { x: 20, y: 10, w: 8, h: 3 }, 0xffffff);
    const r = matchNeedles(half, [a, b]);
    expect(r.match).toBeNull();
    expect(r.best!.areas[0]!.exact).toBe(true);
    expect(r.best!.areas[0]!.differing).toBe(24);
  });
});

describe('the needle format', () => {
  const img = grey(100, 50, 0);

  it('round-trips through NAME.json and NAME.png in the openQA layout', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-needle-'));
    try {
      const n = createNeedle(img, [{ x: 1, y: 2, w: 30, h: 20 }], { name: 'x', tags: ['zeta', 'alpha'], match: 90, exclude: [{ x: 5, y: 5, w: 2, h: 2 }] });
      saveNeedle(n, path.join(dir, 'x.json'));
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'x.json'), 'utf8'))).toEqual({
        tags: ['alpha', 'zeta'],
        area: [
          { xpos: 1, ypos: 2, width: 30, height: 20, type: 'match', match: 90 },
          { xpos: 5, ypos: 5, width: 2, height: 2, type: 'exclude' },
        ],
        properties: [],
      });
      const back = loadNeedle(path.join(dir, 'x.json'));
      expect(back.name).toBe('x');
      expect(back.area).toEqual(n.area);
      expect(matchNeedle(img, back).ok).toBe(true);
      fs.rmSync(path.join(dir, 'x.png'));
      expect(() => loadNeedle(path.join(dir, 'x.json'))).toThrow(/x\.json: cannot read its image .*x\.png/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads an os-autoinst needle: type defaults to match, xpos/ypos to 0, properties kept', () => {
    const j = validateNeedleJson({ tags: ['t'], area: [{ width: 10, height: 10 }], properties: ['workaround'] }, img, 'n.json');
    expect(j.area).toEqual([{ xpos: 0, ypos: 0, width: 10, height: 10, type: 'match' }]);
    expect(j.properties).toEqual(['workaround']);
  });

  it.each([
    [{ area: [] }, 'n.json: "area" must be a non-empty array'],
    [{ area: [{ xpos: 0, ypos: 0, width: 5, height: 5, type: 'exclude' }] }, 'n.json: no area of type match'],
    [{ area: [{ xpos: 90, ypos: 0, width: 20, height: 5 }] }, 'n.json: area 1: 20x5+90+0 lies outside the 100x50 needle image'],
    [{ area: [{ xpos: 0, ypos: 0, width: 5, height: 5, type: 'ocr-ish' }] }, 'n.json: area 1: type must be match, exclude or ocr, got "ocr-ish"'],
    [{ area: [{ xpos: 0, ypos: 0, width: 5, height: 5, match: 101 }] }, 'n.json: area 1: match must be a percentage from 0 to 100, got 101'],
    [{ area: [{ xpos: -1, ypos: 0, width: 5, height: 5 }] }, 'n.json: area 1: xpos must be an integer ≥ 0, got -1'],
    [{ area: [{ xpos: 0, ypos: 0, width: 0, height: 5 }] }, 'n.json: area 1: width must be an integer ≥ 1, got 0'],
    [{ tags: 'x', area: [{ width: 5, height: 5 }] }, 'n.json: "tags" must be an array of strings'],
  ])('rejects %j', (json, message) => {
    expect(() => validateNeedleJson(json, img, 'n.json')).toThrow(new NeedleError(message));
  });

  it('selects needles carrying all the tags asked for', () => {
    const mk = (name: string, tags: string[]): Needle => createNeedle(img, [{ x: 0, y: 0, w: 1, h: 1 }], { name, tags });
    const all = [mk('a', ['boot', 'menu']), mk('b', ['boot']), mk('c', ['menu'])];
    expect(needlesWithTag(all, 'boot').map((n) => n.name)).toEqual(['a', 'b']);
    expect(needlesWithTag(all, 'boot menu').map((n) => n.name)).toEqual(['a']);
    expect(needlesWithTag(all, ['menu']).map((n) => n.name)).toEqual(['a', 'c']);
  });
});
