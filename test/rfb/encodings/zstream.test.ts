// The session-long zlib streams: sync-flushed per rectangle, and withdrawn without breaking the
// client's inflater when Raw goes instead (never more bytes than Raw).
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadFrame } from '../../../src/cli/bench-encode.js';
import { EncodingType } from '../../../src/rfb/encodings/encodings.js';
import { DeflateStream, InflateStream } from '../../../src/rfb/encodings/zstream.js';
import { encode, encoderSet, FORMATS, Peer, rawReference } from './roundtrip.js';

describe('DeflateStream', () => {
  it('each output ends in a sync-flush marker and inflates completely on its own, in sequence', () => {
    const d = new DeflateStream(6);
    const inf = new InflateStream();
    for (const text of ['hello hello hello', 'hello again', 'x'.repeat(100000)]) {
      const z = d.compress(Buffer.from(text));
      expect(z.subarray(z.length - 4).toString('hex')).toBe('0000ffff');
      expect(inf.inflate(z).toString()).toBe(text);
    }
  });

  it('a withdrawn output leaves the stream usable by an inflater that never saw it', () => {
    const d = new DeflateStream(6);
    const inf = new InflateStream();
    d.compress(Buffer.from('abcabcabc'));
    d.withdraw(); // the first output (with the zlib header) is never sent
    const second = d.compress(Buffer.from('abcabcabc again'));
    expect(second[0]).toBe(0x78); // the header comes with the first output actually sent
    expect(inf.inflate(second).toString()).toBe('abcabcabc again');
    d.compress(Buffer.from('zzz'));
    d.withdraw();
    const fourth = d.compress(Buffer.from('abcabcabc again and again'));
    expect(inf.inflate(fourth).toString()).toBe('abcabcabc again and again');
    // and the whole sent stream is valid zlib for a one-shot inflater too
    expect(zlib.inflateSync(Buffer.concat([second, fourth]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()).toBe(
      'abcabcabc againabcabcabc again and again',
    );
  });
});

describe('Raw instead of an encoding that would be larger', () => {
  const noise = loadFrame('noise');
  const text = loadFrame('text');
  for (const [name, enc] of [
    ['Zlib', EncodingType.Zlib],
    ['ZRLE', EncodingType.ZRLE],
    ['Tight', EncodingType.Tight],
    ['Hextile', EncodingType.Hextile],
    ['RRE', EncodingType.RRE],
  ] as const) {
    it(`${name}: 8 bpp noise goes as Raw; the stream carries on exactly for the next rectangles`, () => {
      const pf = FORMATS.rgb332!;
      const set = encoderSet([enc]);
      const peer = new Peer(1024, 768, pf);
      const rects = [
        { x: 0, y: 0, w: 256, h: 128 }, // noise first: a withdrawn first output
        { x: 256, y: 0, w: 256, h: 128 },
      ];
      const a = encode(set, noise, rects, pf);
      expect(set.counters.rawFallbacks).toBeGreaterThan(0);
      expect(a.bytes.length).toBeLessThanOrEqual(rects.length * (12 + 256 * 128));
      peer.decode(a.bytes, a.count);
      const textRects = [{ x: 0, y: 200, w: 512, h: 100 }];
      const b = encode(set, text, textRects, pf);
      peer.decode(b.bytes, b.count);
      const c = encode(set, noise, [{ x: 600, y: 400, w: 100, h: 100 }], pf);
      peer.decode(c.bytes, c.count);
      const d = encode(set, text, [{ x: 0, y: 400, w: 512, h: 100 }], pf);
      peer.decode(d.bytes, d.count);
      const noiseRects = [...rects, { x: 600, y: 400, w: 100, h: 100 }];
      const textRects2 = [...textRects, { x: 0, y: 400, w: 512, h: 100 }];
      expect(areaDiff(peer, rawReference(noise, noiseRects, pf), noiseRects)).toBe(0);
      expect(areaDiff(peer, rawReference(text, textRects2, pf), textRects2)).toBe(0);
      expect(peer.encodingsSeen).toContain(EncodingType.Raw);
    });
  }
});

/** Differing pixels between the peer and a reference, inside rects only. */
function areaDiff(peer: Peer, ref: { rgba: Uint8Array }, rects: { x: number; y: number; w: number; h: number }[]): number {
  let bad = 0;
  for (const r of rects)
    for (let y = r.y; y < r.y + r.h; y++)
      for (let x = r.x; x < r.x + r.w; x++) {
        const i = (y * peer.fb.width + x) * 4;
        if (peer.fb.rgba[i] !== ref.rgba[i] || peer.fb.rgba[i + 1] !== ref.rgba[i + 1] || peer.fb.rgba[i + 2] !== ref.rgba[i + 2]) bad++;
      }
  return bad;
}
