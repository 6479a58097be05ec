// Runs of equal pixel values of a block, in pixel order across rows, as the tile and rectangle
// encoders find them in one pass over the pixels (ZRLE's tiles, Tight's rectangles): each run's
// value, length and palette index, so that the forms written afterwards (RLE, packed indexes,
// Tight's mono bits and index bytes) read the runs, not the pixels again.

export class Runs {
  colour: Uint32Array;
  length: Uint32Array;
  index: Uint8Array;
  /** Runs held (valid entries). */
  count = 0;

  constructor(capacity: number) {
    this.colour = new Uint32Array(capacity);
    this.length = new Uint32Array(capacity);
    this.index = new Uint8Array(capacity);
  }

  /** Room for a block of n pixels (at most n runs). */
  ensure(n: number): void {
    if (this.colour.length >= n) return;
    this.colour = new Uint32Array(n);
    this.length = new Uint32Array(n);
    this.index = new Uint8Array(n);
  }
}

/**
 * Packed palette indexes of the runs `from` up to `to` (ZRLE's packed palette, Tight's mono data) of
 * one block w pixels wide: `bits` per pixel
 * (1, 2 or 4), the leftmost pixel in the high bits, each row of w pixels padded to a byte. As many
 * pixels of a run at once as fit the byte being filled, and whole bytes of one index where a run
 * covers them. Returns the offset after the last byte.
 */
export function writePackedRuns(runs: Runs, from: number, to: number, b: Uint8Array, o: number, w: number, bits: number): number {
  const perByte = 8 / bits;
  const repeat = bits === 1 ? 0xff : bits === 2 ? 0x55 : 0x11; // index x repeat: a byte of that index
  const index = runs.index;
  const length = runs.length;
  let x = 0;
  let acc = 0;
  let nb = 0;
  for (let r = from; r < to; r++) {
    const fill = (index[r]! * repeat) & 0xff;
    let len = length[r]!;
    while (len > 0) {
      const rowLeft = w - x;
      if (nb === 0 && len >= perByte && rowLeft >= perByte) {
        const whole = ((len < rowLeft ? len : rowLeft) / perByte) | 0;
        for (let k = 0; k < whole; k++) b[o++] = fill;
        len -= whole * perByte;
        x += whole * perByte;
        if (x === w) x = 0;
        continue;
      }
      let k = (8 - nb) / bits; // pixels that fit the byte being filled
      if (k > rowLeft) k = rowLeft;
      if (k > len) k = len;
      const kb = k * bits;
      acc = (acc << kb) | (fill >>> (8 - kb));
      nb += kb;
      len -= k;
      x += k;
      if (nb === 8) {
        b[o++] = acc;
        acc = 0;
        nb = 0;
      }
      if (x === w) {
        if (nb > 0) {
          b[o++] = acc << (8 - nb);
          acc = 0;
          nb = 0;
        }
        x = 0;
      }
    }
  }
  return o;
}
