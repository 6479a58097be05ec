// Every encoding × every pixel format on the fixture frames: decoded pixels equal Raw's, bit for bit.
import { describe, expect, it } from 'vitest';
import { loadFrame, FRAME_NAMES } from '../../../src/cli/bench-encode.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';
import { NATIVE_FORMAT } from '../../../src/rfb/wire/pixel-format.js';
import { diffCount, encode, encoderSet, FORMATS, Peer, rawReference } from './roundtrip.js';

const LOSSLESS = {
  RRE: EncodingType.RRE,
  Hextile: EncodingType.Hextile,
  Zlib: EncodingType.Zlib,
  ZRLE: EncodingType.ZRLE,
  Tight: EncodingType.Tight,
  TightPNG: EncodingType.TightPNG,
};

const frames = Object.fromEntries(FRAME_NAMES.map((n) => [n, loadFrame(n)]));
// odd sizes and offsets so that edge tiles (Hextile 16, ZRLE 64) are partial
const CROPS = [
  { x: 37, y: 29, w: 203, h: 117 },
  { x: 500, y: 300, w: 130, h: 70 },
  { x: 0, y: 700, w: 1024, h: 3 },
  { x: 1000, y: 0, w: 24, h: 100 },
  // large enough for Tight to cut out one-colour areas (solid-areas.ts), at an odd offset
  { x: 3, y: 130, w: 701, h: 190 },
];

describe('round trip, every encoding × pixel format × fixture frame', () => {
  for (const [encName, enc] of Object.entries(LOSSLESS)) {
    for (const [pfName, pf] of Object.entries(FORMATS)) {
      it(`${encName} in ${pfName} equals Raw on desktop, text, photo and noise crops`, () => {
        for (const name of FRAME_NAMES) {
          const s = frames[name]!;
          const set = encoderSet([enc]);
          const peer = new Peer(s.width, s.height, pf);
          // the same session encodes all crops in turn: zlib streams carry on between them
          const { bytes, count } = encode(set, s, CROPS, pf);
          peer.decode(bytes, count, 997);
          const ref = rawReference(s, CROPS, pf);
          expect(diffCount(peer.fb, ref), `${name}`).toBe(0);
        }
      });
    }
  }

  for (const [encName, enc] of Object.entries(LOSSLESS)) {
    it(`${encName} sends whole frames exactly (native format), never more bytes than Raw`, () => {
      const set = encoderSet([enc]);
      const peer = new Peer(1024, 768, NATIVE_FORMAT);
      for (const name of FRAME_NAMES) {
        const s = frames[name]!;
        const full = [{ x: 0, y: 0, w: 1024, h: 768 }];
        const { bytes, count } = encode(set, s, full, NATIVE_FORMAT);
        expect(bytes.length - 12 * count).toBeLessThanOrEqual(1024 * 768 * 4);
        peer.decode(bytes, count);
        const rgba = s.toRgba();
        let diff = 0;
        for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== peer.fb.rgba[i] || rgba[i + 1] !== peer.fb.rgba[i + 1] || rgba[i + 2] !== peer.fb.rgba[i + 2]) diff++;
        expect(diff, name).toBe(0);
      }
    });
  }
});

describe('Tight JPEG', () => {
  it('sends photo-like rectangles as JPEG within tolerance: mean error < 4, 99% of channels within 24', () => {
    const s = frames.photo!;
    const set = encoderSet([EncodingType.Tight], { qualityLevel: 6 });
    const peer = new Peer(1024, 768, NATIVE_FORMAT);
    const { bytes, count } = encode(set, s, [{ x: 0, y: 0, w: 1024, h: 768 }], NATIVE_FORMAT);
    peer.decode(bytes, count);
    expect(bytes.length).toBeLessThan((1024 * 768 * 4) / 20);
    const rgba = s.toRgba();
    let sum = 0;
    let far = 0;
    let n = 0;
    for (let i = 0; i < rgba.length; i++) {
      if ((i & 3) === 3) continue;
      const d = Math.abs(rgba[i]! - peer.fb.rgba[i]!);
      sum += d;
      if (d > 24) far++;
      n++;
    }
    expect(sum / n).toBeLessThan(4);
    expect(far / n).toBeLessThan(0.01);
  });

  it('keeps text and desktop frames lossless even with a QualityLevel', () => {
    for (const name of ['text', 'desktop'] as const) {
      const s = frames[name]!;
      const set = encoderSet([EncodingType.Tight], { qualityLevel: 6 });
      const peer = new Peer(1024, 768, NATIVE_FORMAT);
      const { bytes, count } = encode(set, s, [{ x: 0, y: 0, w: 1024, h: 400 }], NATIVE_FORMAT);
      peer.decode(bytes, count);
      expect(diffCount(peer.fb, rawReference(s, [{ x: 0, y: 0, w: 1024, h: 400 }], NATIVE_FORMAT)), name).toBe(0);
    }
  });
});
