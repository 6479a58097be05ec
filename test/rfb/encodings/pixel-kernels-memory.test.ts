// The WebAssembly pixel kernels (pixel-kernels.ts) when their memory cannot grow for a block (no
// memory left in the process): that block's passes run in TypeScript, the same bytes, nothing thrown.
import { afterEach, describe, expect, it } from 'vitest';
import { Surface } from '../../../src/display/surface.js';
import { TightEncoder } from '../../../src/rfb/encodings/tight.js';
import { ZrleEncoder } from '../../../src/rfb/encodings/zrle.js';
import { gradient888Wasm, pixelKernelsInWasm } from '../../../src/rfb/encodings/pixel-kernels.js';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { NATIVE_FORMAT, PixelTranslator } from '../../../src/rfb/wire/pixel-format.js';
import { xorshift } from './roundtrip.js';

const grow = WebAssembly.Memory.prototype.grow;
afterEach(() => {
  WebAssembly.Memory.prototype.grow = grow;
});

/** Text-like rows, a gradient band and a few-colour band: every kernel's path. */
function picture(): Surface {
  const s = new Surface(640, 480);
  const rnd = xorshift(9);
  for (let y = 0; y < s.height; y++)
    for (let x = 0; x < s.width; x++) {
      const i = y * s.width + x;
      s.data[i] = y < 160 ? (rnd(5) === 0 ? 0xc0c0c0 : 0) : y < 320 ? ((x & 255) << 16) | (y << 8) | ((x + y) & 255) : [0x102030, 0x405060, 0xa0b0c0][(x >> 4) % 3]!;
    }
  return s;
}

describe('pixel kernels without memory to grow', () => {
  it('encode the same Tight and ZRLE bytes as the TypeScript passes, nothing thrown', () => {
    const tr = new PixelTranslator(NATIVE_FORMAT);
    expect(pixelKernelsInWasm()).toBe(true);
    const tiny = new ByteWriter(16);
    expect(gradient888Wasm(new Uint32Array(4), 0, 2, 2, 2, NATIVE_FORMAT, tiny)).toBe(true); // the instance exists, its memory small
    let refused = 0;
    WebAssembly.Memory.prototype.grow = function () {
      refused++;
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    const s = picture();
    const full = { x: 0, y: 0, w: s.width, h: s.height };
    for (const make of [(wasm: boolean) => new TightEncoder(null, wasm), (wasm: boolean) => new ZrleEncoder(null, wasm)]) {
      const [a, b] = [true, false].map((wasm) => {
        const e = make(wasm);
        const out = new ByteWriter(16);
        const pieces = e instanceof TightEncoder ? e.split(full, s, tr) : [full];
        for (const p of pieces) e.encodeRect(p, s, tr, out);
        return out.view();
      });
      expect(Buffer.compare(a!, b!)).toBe(0);
    }
    expect(refused).toBeGreaterThan(0); // the kernels asked for more and were refused
  });
});
