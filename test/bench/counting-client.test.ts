// The load bench's viewers skip Tight rectangles without decoding them: the length they find
// from the control bytes must land exactly on the next rectangle, or every figure is wrong.
import { describe, expect, it } from 'vitest';
import { tightLength } from '../../src/bench/counting-client.js';
import { FRAME_NAMES, loadFrame } from '../../src/cli/bench-encode.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';
import { NATIVE_FORMAT } from '../../src/rfb/wire/pixel-format.js';
import { encode, encoderSet } from '../rfb/encodings/roundtrip.js';

describe('tightLength', () => {
  for (const quality of [null, 6]) {
    it(`walks every rectangle of every fixture frame (${quality === null ? 'lossless' : 'JPEG allowed'})`, () => {
      const set = encoderSet([EncodingType.Tight], { qualityLevel: quality });
      const kinds = new Set<number>();
      for (const name of FRAME_NAMES) {
        const s = loadFrame(name);
        // whole frames and small pieces: fills, palettes, gradient, JPEG, short raw data
        const rects = [
          { x: 0, y: 0, w: 1024, h: 768 },
          { x: 3, y: 5, w: 2, h: 1 },
          { x: 100, y: 100, w: 7, h: 3 },
          { x: 500, y: 300, w: 40, h: 30 },
        ];
        const { bytes, count } = encode(set, s, rects, NATIVE_FORMAT);
        let at = 0;
        for (let i = 0; i < count; i++) {
          const w = bytes.readUInt16BE(at + 4);
          const h = bytes.readUInt16BE(at + 6);
          const enc = bytes.readInt32BE(at + 8);
          if (enc === EncodingType.Raw) {
            at += 12 + w * h * 4; // a rectangle Tight would not make smaller
            continue;
          }
          expect(enc).toBe(EncodingType.Tight);
          const body = bytes.subarray(at + 12);
          kinds.add(body[0]! >> 4 >= 8 ? body[0]! >> 4 : body[0]! & 0x40 ? 16 + body[1]! : 0);
          const len = tightLength(body, w, h)!;
          expect(len).toBeGreaterThan(0);
          // with only part of the header there, it asks for more or knows already: never guesses
          for (let cut = 0; cut < Math.min(len, 8); cut++) expect([null, len]).toContain(tightLength(body.subarray(0, cut), w, h));
          expect(tightLength(body.subarray(0, 0), w, h)).toBeNull();
          at += 12 + len;
        }
        expect(at, name).toBe(bytes.length);
      }
      // fill, basic copy, palette, gradient (and JPEG when allowed) were all walked
      expect(kinds.has(8)).toBe(true);
      expect(kinds.has(17)).toBe(true);
      expect(kinds.has(0) || kinds.has(16)).toBe(true);
      if (quality !== null) expect(kinds.has(9)).toBe(true);
      else expect(kinds.has(18)).toBe(true);
    });
  }
});
