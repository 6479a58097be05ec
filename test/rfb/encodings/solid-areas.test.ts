// Tight's cut into one-colour areas and the rest, and the palette index the encoders share.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Surface } from '../../../src/display/surface.js';
import { ColourIndex } from '../../../src/rfb/encodings/colour-index.js';
import { SOLID_MIN_AREA, solidAreas } from '../../../src/rfb/encodings/solid-areas.js';

describe('solidAreas', () => {
  it('covers the rectangle exactly once; every solid area is one colour and large (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ w: fc.integer({ min: 1, max: 300 }), h: fc.integer({ min: 1, max: 200 }), x: fc.integer({ min: 0, max: 20 }), y: fc.integer({ min: 0, max: 20 }) }),
        fc.array(fc.record({ x: fc.nat(320), y: fc.nat(220), w: fc.integer({ min: 1, max: 200 }), h: fc.integer({ min: 1, max: 150 }), c: fc.integer({ min: 0, max: 3 }) }), { maxLength: 6 }),
        fc.array(fc.record({ x: fc.nat(320), y: fc.nat(220) }), { maxLength: 30 }),
        (r, fills, dots) => {
          const s = new Surface(340, 240);
          for (const f of fills) for (let y = f.y; y < Math.min(240, f.y + f.h); y++) s.data.fill(f.c * 0x404040, y * 340 + f.x, y * 340 + Math.min(340, f.x + f.w));
          for (const d of dots) s.data[d.y * 340 + d.x] = 0xff0000;
          const rect = { x: r.x, y: r.y, w: Math.min(r.w, 340 - r.x), h: Math.min(r.h, 240 - r.y) };
          const { solid, rest } = solidAreas(rect, s);
          const hits = new Uint8Array(340 * 240);
          for (const p of [...solid, ...rest]) {
            expect(p.w).toBeGreaterThan(0);
            expect(p.h).toBeGreaterThan(0);
            for (let y = p.y; y < p.y + p.h; y++) for (let x = p.x; x < p.x + p.w; x++) hits[y * 340 + x]!++;
          }
          let wrong = 0;
          for (let y = 0; y < 240; y++)
            for (let x = 0; x < 340; x++) {
              const inside = x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h;
              if (hits[y * 340 + x] !== (inside ? 1 : 0)) wrong++;
            }
          expect(wrong, 'pixels covered other than once inside, never outside').toBe(0);
          for (const p of solid) {
            expect(p.w * p.h).toBeGreaterThanOrEqual(SOLID_MIN_AREA);
            const c = s.data[p.y * 340 + p.x];
            let other = 0;
            for (let y = p.y; y < p.y + p.h; y++) for (let x = p.x; x < p.x + p.w; x++) if (s.data[y * 340 + x] !== c) other++;
            expect(other, 'pixels of another colour in a solid area').toBe(0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a flat screen with one window: the flat parts are solid areas, the window is in the rest', () => {
    const s = new Surface(256, 128);
    s.data.fill(0x102030);
    for (let y = 40; y < 60; y++) for (let x = 50; x < 90; x++) s.data[y * 256 + x] = (x ^ y) & 1 ? 0xffffff : 0;
    const { solid, rest } = solidAreas({ x: 0, y: 0, w: 256, h: 128 }, s);
    expect(solid.length).toBeGreaterThan(0);
    const restArea = rest.reduce((a, p) => a + p.w * p.h, 0);
    expect(restArea).toBeLessThan(256 * 128 / 4); // only the blocks around the window
    for (const p of rest) expect(p.x <= 50 && p.x + p.w >= 90 || p.x < 96).toBe(true);
  });
});

describe('ColourIndex', () => {
  it('keeps first-appearance order and indexes like a Map, and refuses past its limit (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 400 }), fc.integer({ min: 1, max: 256 }), (vals, limit) => {
        const ci = new ColourIndex(limit);
        ci.clear();
        const ref = new Map<number, number>();
        for (const v of vals) {
          const ok = ci.put(v) >= 0;
          if (!ref.has(v) && ref.size < limit) ref.set(v, ref.size);
          expect(ok).toBe(ref.has(v));
        }
        expect(ci.size).toBe(ref.size);
        for (const [v, i] of ref) {
          expect(ci.put(v)).toBe(i); // a value held: its index, nothing added
          expect(ci.colours[i]).toBe(v);
        }
        ci.clear();
        expect(ci.size).toBe(0);
        if (vals.length) expect(ci.put(vals[0]!) >= 0).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
