// Test helper: fast-check arbitraries for RFB client messages, well-formed and hostile.
import fc from 'fast-check';
import { ByteWriter } from '../../src/rfb/wire/byte-writer.js';

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Mostly small numbers, sometimes extremes: where the bugs are. */
const edgyU16 = fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constantFrom(0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff), u16);
const edgyU32 = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(0, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff), u32);

const buf = (f: (w: ByteWriter) => unknown) => {
  const w = new ByteWriter(16);
  f(w);
  return w.toBuffer();
};

/** SetPixelFormat with any field values (most of them invalid). */
export const setPixelFormat = fc
  .record({
    bpp: fc.oneof(fc.constantFrom(8, 16, 32), u8),
    depth: fc.oneof(fc.constantFrom(8, 16, 24, 32), u8),
    bigEndian: u8,
    trueColour: u8,
    maxes: fc.tuple(edgyU16, edgyU16, edgyU16),
    shifts: fc.tuple(fc.oneof(fc.integer({ min: 0, max: 31 }), u8), fc.oneof(fc.integer({ min: 0, max: 31 }), u8), fc.oneof(fc.integer({ min: 0, max: 31 }), u8)),
  })
  .map((p) =>
    buf((w) =>
      w.u8(0).pad(3).u8(p.bpp).u8(p.depth).u8(p.bigEndian).u8(p.trueColour)
        .u16(p.maxes[0]).u16(p.maxes[1]).u16(p.maxes[2]).u8(p.shifts[0]).u8(p.shifts[1]).u8(p.shifts[2]).pad(3),
    ),
  );

/** SetEncodings: a declared count that may not match what follows, or exceed any limit. */
export const setEncodings = fc
  .record({ list: fc.array(fc.oneof(fc.integer({ min: -320, max: 20 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 40 }), lie: fc.option(edgyU16) })
  .map(({ list, lie }) => buf((w) => {
    w.u8(2).pad(1).u16(lie ?? list.length);
    for (const e of list) w.s32(e);
  }));

export const updateRequest = fc
  .tuple(u8, edgyU16, edgyU16, edgyU16, edgyU16)
  .map(([inc, x, y, wd, h]) => buf((w) => w.u8(3).u8(inc).u16(x).u16(y).u16(wd).u16(h)));

export const keyEvent = fc.tuple(u8, u32).map(([d, k]) => buf((w) => w.u8(4).u8(d).pad(2).u32(k)));
export const pointerEvent = fc.tuple(u8, edgyU16, edgyU16).map(([b, x, y]) => buf((w) => w.u8(5).u8(b).u16(x).u16(y)));

/** ClientCutText: a declared length (sometimes huge or negative) and a few actual bytes. */
export const clientCutText = fc
  .record({ text: fc.uint8Array({ maxLength: 64 }), lie: fc.option(edgyU32) })
  .map(({ text, lie }) => buf((w) => w.u8(6).pad(3).u32(lie ?? text.length).bytes(text)));

/** Message types we do not know, or know and never negotiated. */
export const oddMessage = fc.oneof(
  fc.tuple(fc.integer({ min: 7, max: 255 }), fc.uint8Array({ maxLength: 24 })).map(([t, rest]) => Buffer.concat([Buffer.from([t]), rest])),
  fc.tuple(u8, u8, edgyU16, edgyU16, edgyU16, edgyU16).map(([e, _, x, y, wd, h]) => buf((w) => w.u8(150).u8(e).u16(x).u16(y).u16(wd).u16(h))),
  fc.tuple(u32, fc.uint8Array({ maxLength: 80 })).map(([flags, p]) => buf((w) => w.u8(248).pad(3).u32(flags).u8(p.length).bytes(p))),
  fc.tuple(edgyU16, edgyU16, u8, fc.uint8Array({ maxLength: 64 })).map(([wd, h, n, rest]) => buf((w) => w.u8(251).pad(1).u16(wd).u16(h).u8(n).pad(1).bytes(rest))),
  fc.tuple(u8, u16, u32, u32).map(([sub, d, ks, kc]) => buf((w) => w.u8(255).u8(sub).u16(d).u32(ks).u32(kc))),
);

export const anyMessage = fc.oneof(
  { weight: 3, arbitrary: setPixelFormat },
  { weight: 2, arbitrary: setEncodings },
  { weight: 4, arbitrary: updateRequest },
  { weight: 2, arbitrary: keyEvent },
  { weight: 3, arbitrary: pointerEvent },
  { weight: 2, arbitrary: clientCutText },
  { weight: 2, arbitrary: oddMessage },
);

/** Corrupt a stream: flip, drop or insert bytes, or cut it short. */
export function mutate(stream: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .array(
      fc.oneof(
        fc.tuple(fc.constant('flip' as const), fc.nat(), u8),
        fc.tuple(fc.constant('drop' as const), fc.nat(), fc.integer({ min: 1, max: 8 })),
        fc.tuple(fc.constant('insert' as const), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })),
        fc.tuple(fc.constant('truncate' as const), fc.nat(), fc.constant(0)),
      ),
      { maxLength: 4 },
    )
    .map((ops) => {
      let b = Buffer.from(stream);
      for (const [op, at, arg] of ops) {
        if (b.length === 0) break;
        const i = at % b.length;
        if (op === 'flip') b[i] = (b[i]! ^ (arg as number)) & 0xff;
        else if (op === 'drop') b = Buffer.concat([b.subarray(0, i), b.subarray(i + (arg as number))]);
        else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from(arg as Uint8Array), b.subarray(i)]);
        else b = b.subarray(0, i);
      }
      return b;
    });
}

/** Split a stream into chunks (1 byte to all of it) to exercise every parser split point. */
export function splits(len: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: Math.max(1, len) }), { maxLength: 12 });
}

export function chunk(b: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  for (const s of sizes) {
    if (o >= b.length) break;
    out.push(b.subarray(o, o + s));
    o += s;
  }
  if (o < b.length) out.push(b.subarray(o));
  return out;
}
