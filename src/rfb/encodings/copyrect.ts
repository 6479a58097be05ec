// CopyRect (RFC 6143 §7.7.2): the client copies a rectangle it already holds from (src-x, src-y).
// Used only where the screen really moved (scrolls, VBE panning), never for dirty rectangles.
import type { ByteWriter } from '../wire/byte-writer.js';
import { EncodingType } from '../wire/encodings.js';

export const COPYRECT = EncodingType.CopyRect;

/** The body of a CopyRect rectangle: src-x-position, src-y-position. */
export function writeCopyRect(out: ByteWriter, srcX: number, srcY: number): ByteWriter {
  return out.u16(srcX).u16(srcY);
}
