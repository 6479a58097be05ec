// Pseudo-encoding rectangles the server sends (rfbproto "Pseudo-encodings"): ExtendedDesktopSize,
// Cursor, DesktopName, the QEMU Extended Key Event acknowledgement, and SetDesktopSize's check.
import type { ByteWriter } from '../wire/byte-writer.js';
import type { PixelTranslator } from '../wire/pixel-format.js';
import { rectHeader } from '../wire/server-messages.js';
import { EncodingType } from '../wire/encodings.js';

/** ExtendedDesktopSize reasons (rectangle x) and status codes (rectangle y). */
export const ResizeReason = { Server: 0, ThisClient: 1, OtherClient: 2 } as const;
export const ResizeStatus = { Ok: 0, Prohibited: 1, OutOfResources: 2, InvalidLayout: 3 } as const;

/** The one screen we have: id 0 covering the framebuffer. */
export function writeExtendedDesktopSize(out: ByteWriter, reason: number, status: number, width: number, height: number): void {
  rectHeader(out, reason, status, width, height, EncodingType.ExtendedDesktopSize);
  out.u8(1).pad(3); // number-of-screens, padding
  out.u32(0).u16(0).u16(0).u16(width).u16(height).u32(0); // id, x, y, width, height, flags
}

export function writeDesktopName(out: ByteWriter, name: string): void {
  const b = Buffer.from(name, 'utf8');
  rectHeader(out, 0, 0, 0, 0, EncodingType.DesktopName);
  out.u32(b.length).bytes(b);
}

/** Acknowledge the QEMU Extended Key Event: an empty rectangle of that encoding. */
export function writeQemuKeyAck(out: ByteWriter): void {
  rectHeader(out, 0, 0, 0, 0, EncodingType.QemuExtendedKeyEvent);
}

/** A pointer shape: native pixels and a 1-per-pixel mask (1 = opaque). */
export interface CursorImage {
  hotX: number;
  hotY: number;
  width: number;
  height: number;
  pixels: Uint32Array;
  mask: Uint8Array;
}

/** The Cursor rectangle (x, y = hotspot): pixels in the client's format, then the bitmask. */
export function writeCursor(out: ByteWriter, c: CursorImage, tr: PixelTranslator): void {
  rectHeader(out, c.hotX, c.hotY, c.width, c.height, EncodingType.Cursor);
  const bpp = tr.bytesPerPixel;
  const at = out.reserve(c.width * c.height * bpp);
  for (let i = 0; i < c.pixels.length; i++) tr.put(out.raw, at + i * bpp, tr.pixel(c.pixels[i]!));
  const rowBytes = (c.width + 7) >> 3;
  const m = out.reserve(rowBytes * c.height);
  const b = out.raw;
  b.fill(0, m, m + rowBytes * c.height);
  for (let y = 0; y < c.height; y++)
    for (let x = 0; x < c.width; x++) if (c.mask[y * c.width + x]) b[m + y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
}

/**
 * The desktop guest's pointer: the arrow it draws itself (src/guest/interactive-desktop.ts), 10x17,
 * black outline, white fill, hotspot at its tip. '#' outline, '.' fill, ' ' transparent.
 */
const ARROW = [
  '#', '##', '#.#', '#..#', '#...#', '#....#', '#.....#', '#......#', '#.......#', '#........#',
  '#.....####', '#..#..#', '#.# #..#', '##  #..#', '#    #..#', '     #..#', '      ##',
].map((row) => row.padEnd(10));

export const DESKTOP_POINTER: CursorImage = (() => {
  const width = ARROW[0]!.length;
  const height = ARROW.length;
  const pixels = new Uint32Array(width * height);
  const mask = new Uint8Array(width * height);
  ARROW.forEach((row, y) =>
    [...row].forEach((ch, x) => {
      if (ch === ' ') return;
      pixels[y * width + x] = ch === '#' ? 0x000000 : 0xffffff;
      mask[y * width + x] = 1;
    }),
  );
  return { hotX: 0, hotY: 0, width, height, pixels, mask };
})();

/** Limits a SetDesktopSize must meet to become a VBE mode (multiple-of-8 width, VRAM size). */
export interface ResizeLimits {
  maxWidth: number;
  maxHeight: number;
  vramBytes: number;
  bytesPerPixel: number;
}

/** The ExtendedDesktopSize status for a SetDesktopSize request, before trying it. */
export function checkDesktopSize(width: number, height: number, screens: number, lim: ResizeLimits): number {
  if (screens !== 1 || width === 0 || height === 0 || width % 8 !== 0) return ResizeStatus.InvalidLayout;
  if (width > lim.maxWidth || height > lim.maxHeight || width * height * lim.bytesPerPixel > lim.vramBytes) return ResizeStatus.OutOfResources;
  return ResizeStatus.Ok;
}
