// The VGA-style fonts the guests' firmware loads into plane 2 (see LICENSE.txt beside this file).
import { VGA8X16_BASE64, VGA8X16_HEIGHT } from './vga8x16.js';
import { VGA8X8_BASE64, VGA8X8_HEIGHT } from './vga8x8.js';

/** A 256-glyph code page 437 font, `height` bytes per glyph, bit 7 = leftmost pixel. */
export interface BitmapFont {
  readonly height: number;
  readonly data: Uint8Array;
}

const decode = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

export const FONT_8X16: BitmapFont = { height: VGA8X16_HEIGHT, data: decode(VGA8X16_BASE64) };
export const FONT_8X8: BitmapFont = { height: VGA8X8_HEIGHT, data: decode(VGA8X8_BASE64) };
