// PNG encoding of RGBA pictures and of the display surface (pngjs), for every writer in the project.
import { PNG } from 'pngjs';
import type { Surface } from './surface.js';

export interface RgbaPicture {
  width: number;
  height: number;
  /** 8-bit RGBA rows, at least width × height × 4 bytes */
  data: Uint8Array;
}

export function rgbaToPng(img: RgbaPicture): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  Buffer.from(img.data.buffer, img.data.byteOffset, img.width * img.height * 4).copy(png.data);
  return PNG.sync.write(png);
}

export function surfaceToPng(s: Surface): Buffer {
  return rgbaToPng({ width: s.width, height: s.height, data: s.toRgba() });
}
