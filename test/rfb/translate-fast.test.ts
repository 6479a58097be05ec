// The inlined true-colour translation loops give the bytes put() and pixel() give, for every format.
import { describe, expect, it } from 'vitest';
import { PixelTranslator } from '../../src/rfb/wire/pixel-format.js';
import { distinctFormats } from '../security/hostile.js';

describe('PixelTranslator.translateRect (true colour)', () => {
  it('matches pixel() + put() for 384 formats of 8, 16 and 32 bpp, both byte orders', () => {
    const w = 37;
    const h = 5;
    const stride = 41;
    const src = new Uint32Array(stride * (h + 1));
    for (let i = 0; i < src.length; i++) src[i] = (Math.imul(i + 1, 0x9e3779b1) >>> 0) & 0xffffff;
    for (const pf of distinctFormats(384).concat([{ bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255, greenMax: 255, blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0 }])) {
      const tr = new PixelTranslator(pf);
      const bpp = pf.bitsPerPixel / 8;
      const fast = new Uint8Array(3 + w * h * bpp);
      expect(tr.translateRect(src, stride + 2, stride, w, h, fast, 3)).toBe(w * h * bpp);
      const slow = new Uint8Array(3 + w * h * bpp);
      let o = 3;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++, o += bpp) tr.put(slow, o, tr.pixel(src[stride + 2 + y * stride + x]!));
      expect(Buffer.from(fast).equals(Buffer.from(slow)), JSON.stringify(pf)).toBe(true);
    }
  });
});
