// Byte-exact vectors built by hand from rfbproto / RFC 6143, so that encoder and decoder are each
// checked against the spec and not only against each other.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Surface } from '../../../src/display/surface.js';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';
import { HextileEncoder } from '../../../src/rfb/encodings/hextile.js';
import { cpixelPacker, tpixelPacker } from '../../../src/rfb/encodings/pixels.js';
import { DESKTOP_POINTER, writeCursor, writeDesktopName, writeExtendedDesktopSize } from '../../../src/rfb/encodings/pseudo.js';
import { RreEncoder } from '../../../src/rfb/encodings/rre.js';
import { writeCompactLength } from '../../../src/rfb/encodings/tight-common.js';
import { TightEncoder } from '../../../src/rfb/encodings/tight.js';
import { ZlibEncoder } from '../../../src/rfb/encodings/zlib.js';
import { encodeZrleTile, ZrleEncoder } from '../../../src/rfb/encodings/zrle.js';
import { NATIVE_FORMAT, PixelTranslator } from '../../../src/rfb/wire/pixel-format.js';
import { FORMATS, Peer } from './roundtrip.js';

const A = 0x102030;
const B = 0xa0b0c0;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const native = new PixelTranslator(NATIVE_FORMAT);

/** A w x h surface filled with bg, with fg in the given rectangle. */
function picture(w: number, h: number, bg: number, fg?: { x: number; y: number; w: number; h: number; c: number }): Surface {
  const s = new Surface(w, h);
  s.data.fill(bg);
  if (fg) for (let y = fg.y; y < fg.y + fg.h; y++) s.data.fill(fg.c, y * w + fg.x, y * w + fg.x + fg.w);
  return s;
}

function body(enc: { encodeRect: (r: never, s: Surface, t: PixelTranslator, o: ByteWriter) => void }, s: Surface, tr = native): Buffer {
  const w = new ByteWriter();
  (enc.encodeRect as (r: object, s: Surface, t: PixelTranslator, o: ByteWriter) => void)({ x: 0, y: 0, w: s.width, h: s.height }, s, tr, w);
  return w.toBuffer();
}

/** Decode one rectangle's body with the headless client's decoder. */
function decodeOne(encoding: number, w: number, h: number, bodyBytes: Uint8Array, pf = NATIVE_FORMAT): Peer {
  const p = new Peer(w, h, pf);
  const head = new ByteWriter().u16(0).u16(0).u16(w).u16(h).s32(encoding).toBuffer();
  p.decode(Buffer.concat([head, bodyBytes]), 1, 1);
  return p;
}

describe('RRE (RFC 6143 §7.7.3)', () => {
  // number-of-subrectangles u32, background PIXEL, then per subrect: PIXEL, x, y, w, h (u16)
  const expected = '00000001' + '30201000' + 'c0b0a000' + '0001' + '0001' + '0002' + '0002';
  it('encodes a 4x4 picture with one 2x2 subrectangle', () => {
    expect(hex(body(new RreEncoder(), picture(4, 4, A, { x: 1, y: 1, w: 2, h: 2, c: B })))).toBe(expected);
  });
  it('decodes the same bytes', () => {
    const p = decodeOne(EncodingType.RRE, 4, 4, Buffer.from(expected, 'hex'));
    expect([...p.fb.rgba.subarray(0, 4)]).toEqual([0x10, 0x20, 0x30, 255]);
    expect([...p.fb.rgba.subarray((1 * 4 + 1) * 4, (1 * 4 + 1) * 4 + 4)]).toEqual([0xa0, 0xb0, 0xc0, 255]);
  });
});

describe('Hextile (RFC 6143 §7.7.4)', () => {
  it('a solid tile is BackgroundSpecified + pixel; the next equal tile is an empty mask', () => {
    expect(hex(body(new HextileEncoder(), picture(32, 16, A)))).toBe('02' + '30201000' + '00');
  });
  it('a two-colour tile: Background+Foreground+AnySubrects, count, x|y, (w-1)|(h-1)', () => {
    const bytes = body(new HextileEncoder(), picture(16, 16, A, { x: 2, y: 3, w: 4, h: 5, c: B }));
    expect(hex(bytes)).toBe('0e' + '30201000' + 'c0b0a000' + '01' + '23' + '34');
    const p = decodeOne(EncodingType.Hextile, 16, 16, bytes);
    expect([...p.fb.rgba.subarray((3 * 16 + 2) * 4, (3 * 16 + 2) * 4 + 3)]).toEqual([0xa0, 0xb0, 0xc0]);
    expect([...p.fb.rgba.subarray((8 * 16 + 2) * 4, (8 * 16 + 2) * 4 + 3)]).toEqual([0x10, 0x20, 0x30]);
  });
});

describe('ZRLE (RFC 6143 §7.7.6)', () => {
  const cp = cpixelPacker(native);
  const tile = (px: number[], w: number, h: number) => {
    const out = new ByteWriter();
    encodeZrleTile(Uint32Array.from(px), w, h, cp, out);
    return hex(out.toBuffer());
  };
  it('solid tile: subencoding 1 and one 3-byte CPIXEL', () => {
    expect(tile([A, A, A, A], 2, 2)).toBe('01' + '302010');
  });
  it('two colours: packed palette, 1 bit per pixel, rows padded to a byte', () => {
    // 3x2: row 0 = A B A (010 -> 0x40), row 1 = B B A (110 -> 0xc0)
    expect(tile([A, B, A, B, B, A], 3, 2)).toBe('02' + '302010' + 'c0b0a0' + '40' + 'c0');
  });
  it('few long runs: plain RLE, CPIXEL then run length - 1 as 255s and a remainder', () => {
    const px = [...Array(300).fill(A), B, ...Array(3).fill(0x010203), ...Array(40).fill(0x040506)];
    expect(tile(px, 344, 1)).toBe('80' + '302010' + 'ff2c' + 'c0b0a0' + '00' + '030201' + '02' + '060504' + '27');
  });
  it('many single pixels of more than 16 colours: palette RLE (128 + size, palette, indices)', () => {
    const c = (i: number) => 0x010101 * (i + 1);
    const px = [...Array.from({ length: 40 }, (_, i) => c(i & 1)), ...Array.from({ length: 16 }, (_, i) => c(i + 2)), c(5), c(5)];
    const palette = Array.from({ length: 18 }, (_, i) => hex(Buffer.from([i + 1, i + 1, i + 1]))).join('');
    const singles = Array.from({ length: 40 }, (_, i) => (i & 1 ? '01' : '00')).join('') + Array.from({ length: 16 }, (_, i) => (i + 2).toString(16).padStart(2, '0')).join('');
    expect(tile(px, 58, 1)).toBe('92' + palette + singles + '85' + '01');
  });
  it('CPIXEL takes the 3 bytes holding the colour: least or most significant, in the client byte order', () => {
    const v = 0x00aabbcc;
    const put = (name: string, value: number) => {
      const p = cpixelPacker(new PixelTranslator(FORMATS[name]!));
      const b = new Uint8Array(p.size);
      p.write(b, 0, value);
      return hex(b);
    };
    expect(put('rgb888-le', v)).toBe('ccbbaa');
    expect(put('rgb888-be', v)).toBe('aabbcc');
    expect(put('rgb888-ms-le', 0xaabbcc00)).toBe('ccbbaa');
    expect(put('rgb888-ms-be', 0xaabbcc00)).toBe('aabbcc');
    expect(cpixelPacker(new PixelTranslator(FORMATS['rgb101010-le']!)).size).toBe(4);
    expect(cpixelPacker(new PixelTranslator(FORMATS['rgb565-le']!)).size).toBe(2);
  });
  it('the rectangle is a u32 length and zlib data that inflates to the tiles', () => {
    const bytes = body(new ZrleEncoder(), picture(4, 4, A));
    expect(bytes.readUInt32BE(0)).toBe(bytes.length - 4);
    expect(bytes[4]).toBe(0x78); // zlib header
    expect(hex(bytes.subarray(bytes.length - 4))).toBe('0000ffff'); // Z_SYNC_FLUSH marker
    expect(hex(zlib.inflateSync(bytes.subarray(4), { finishFlush: zlib.constants.Z_SYNC_FLUSH }))).toBe('01302010');
  });
});

describe('Zlib (rfbproto encoding 6)', () => {
  it('is Raw pixels through one stream: the second rectangle continues the first (no new header)', () => {
    const enc = new ZlibEncoder();
    const s = picture(2, 1, A);
    const first = body(enc, s);
    const second = body(enc, s);
    expect(first[4]).toBe(0x78);
    const all = Buffer.concat([first.subarray(4), second.subarray(4)]);
    expect(hex(zlib.inflateSync(all, { finishFlush: zlib.constants.Z_SYNC_FLUSH }))).toBe('30201000'.repeat(4));
  });
});

describe('Tight (rfbproto encoding 7)', () => {
  it('compact length: 1, 2 or 3 bytes of 7 bits, low first', () => {
    const cl = (n: number) => {
      const w = new ByteWriter();
      writeCompactLength(w, n);
      return hex(w.toBuffer());
    };
    expect(cl(0x7f)).toBe('7f');
    expect(cl(0x80)).toBe('8001');
    expect(cl(0x3fff)).toBe('ff7f');
    expect(cl(0x4000)).toBe('808001');
    expect(cl(0x3fffff)).toBe('ffffff');
  });
  it('fill: 0x80 and a TPIXEL (R, G, B for 32 bpp depth 24)', () => {
    expect(hex(body(new TightEncoder(), picture(8, 8, A)))).toBe('80' + '102030');
  });
  it('TPIXEL is R, G, B whatever the shifts and byte order of a 888 format; a PIXEL otherwise', () => {
    for (const name of ['rgb888-le', 'rgb888-be', 'bgr888-le', 'rgb888-ms-le']) {
      const tr = new PixelTranslator(FORMATS[name]!);
      const p = tpixelPacker(tr);
      const b = new Uint8Array(3);
      p.write(b, 0, tr.pixel(0x102030));
      expect(hex(b), name).toBe('102030');
    }
    expect(tpixelPacker(new PixelTranslator(FORMATS['rgb565-be']!)).size).toBe(2);
  });
  it('mono palette under 12 bytes goes uncompressed: ctl 0x50 (stream 1, filter), palette filter, 2 colours, bits', () => {
    // 4x2: row 0 = A B B A (0110 -> 0x60), row 1 = B A A A (1000 -> 0x80)
    const s = new Surface(4, 2);
    s.data.set([A, B, B, A, B, A, A, A]);
    const bytes = body(new TightEncoder(), s);
    expect(hex(bytes)).toBe('50' + '01' + '01' + '102030' + 'a0b0c0' + '60' + '80');
    const p = decodeOne(EncodingType.Tight, 4, 2, bytes);
    expect([...p.fb.rgba.subarray(4, 7)]).toEqual([0xa0, 0xb0, 0xc0]);
  });
  it('full colour: ctl 0x00 (stream 0, copy filter), compact length, zlib data of TPIXELs', () => {
    const s = new Surface(300, 1);
    for (let i = 0; i < 300; i++) s.data[i] = (i * 0x010305) & 0xffffff;
    const tight = new TightEncoder();
    tight.configure({ compressLevel: 1, qualityLevel: null, tightGradient: false });
    const bytes = body(tight, s);
    expect(bytes[0]).toBe(0x00);
    const len = (bytes[1]! & 0x7f) | (bytes[2]! << 7);
    expect(bytes.length).toBe(3 + len);
    const raw = zlib.inflateSync(bytes.subarray(3), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(raw.length).toBe(900);
    expect(hex(raw.subarray(3, 6))).toBe('010305');
  });
});

describe('pseudo-encodings', () => {
  it('ExtendedDesktopSize: reason in x, status in y, one screen', () => {
    const w = new ByteWriter();
    writeExtendedDesktopSize(w, 1, 3, 800, 600);
    expect(hex(w.toBuffer())).toBe('0001' + '0003' + '0320' + '0258' + 'fffffecc' + '01000000' + '00000000' + '0000' + '0000' + '0320' + '0258' + '00000000');
  });
  it('DesktopName: an empty rectangle, u32 length and UTF-8 name', () => {
    const w = new ByteWriter();
    writeDesktopName(w, 'vm');
    expect(hex(w.toBuffer())).toBe('0000000000000000' + 'fffffecd' + '00000002' + '766d');
  });
  it('Cursor: hotspot in x, y; pixels in the client format; then a bitmask, rows padded to bytes', () => {
    const w = new ByteWriter();
    writeCursor(w, DESKTOP_POINTER, native);
    const b = w.toBuffer();
    const { width: cw, height: ch } = DESKTOP_POINTER;
    expect(b.length).toBe(12 + cw * ch * 4 + ((cw + 7) >> 3) * ch);
    expect(b.readInt32BE(8)).toBe(-239);
    const mask = b.subarray(12 + cw * ch * 4);
    expect(hex(mask.subarray(0, 4))).toBe('8000c000'); // '#' then '##'
  });
});
