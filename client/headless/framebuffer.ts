// The headless client's framebuffer: RGBA bytes, filled from pixels in the negotiated format.
import type { PixelFormat } from '../../src/rfb/wire/pixel-format.js';

export class ClientFramebuffer {
  rgba: Uint8Array;
  bytesPerPixel: number;
  #rs = 0;
  #gs = 0;
  #bs = 0;
  #rm = 255;
  #gm = 255;
  #bm = 255;
  /** Colour map for colour-map formats: index → [r, g, b] in 8 bits. */
  colourMap: [number, number, number][] = [];

  constructor(public width: number, public height: number, public pf: PixelFormat) {
    this.rgba = new Uint8Array(width * height * 4);
    this.bytesPerPixel = pf.bitsPerPixel >> 3;
    this.setPixelFormat(pf);
    this.#opaque();
  }

  #opaque(): void {
    for (let i = 3; i < this.rgba.length; i += 4) this.rgba[i] = 255;
  }

  setPixelFormat(pf: PixelFormat): void {
    this.pf = pf;
    this.bytesPerPixel = pf.bitsPerPixel >> 3;
    this.#rs = pf.redShift;
    this.#gs = pf.greenShift;
    this.#bs = pf.blueShift;
    this.#rm = pf.redMax;
    this.#gm = pf.greenMax;
    this.#bm = pf.blueMax;
  }

  resize(w: number, h: number): void {
    const next = new Uint8Array(w * h * 4);
    this.width = w;
    this.height = h;
    this.rgba = next;
    this.#opaque();
  }

  /** Read one pixel value (client format, its byte order) at buf[o]. */
  readPixel(buf: Uint8Array, o: number): number {
    switch (this.bytesPerPixel) {
      case 1:
        return buf[o]!;
      case 2:
        return this.pf.bigEndian ? (buf[o]! << 8) | buf[o + 1]! : buf[o]! | (buf[o + 1]! << 8);
      default:
        return this.pf.bigEndian
          ? ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0
          : (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24)) >>> 0;
    }
  }

  /** A pixel value → 0x00RRGGBB, scaling each component up to 8 bits with rounding. */
  toRgb(v: number): number {
    if (!this.pf.trueColour) {
      const c = this.colourMap[v] ?? [0, 0, 0];
      return (c[0] << 16) | (c[1] << 8) | c[2];
    }
    const sc = (c: number, max: number) => (max === 255 ? c : Math.round((c * 255) / max));
    const r = sc((v >>> this.#rs) & this.#rm, this.#rm);
    const g = sc((v >>> this.#gs) & this.#gm, this.#gm);
    const b = sc((v >>> this.#bs) & this.#bm, this.#bm);
    return (r << 16) | (g << 8) | b;
  }

  fillRgb(x: number, y: number, w: number, h: number, rgb: number): void {
    const r = (rgb >>> 16) & 255;
    const g = (rgb >>> 8) & 255;
    const b = rgb & 255;
    for (let yy = y; yy < y + h; yy++) {
      let o = (yy * this.width + x) * 4;
      for (let xx = 0; xx < w; xx++, o += 4) {
        this.rgba[o] = r;
        this.rgba[o + 1] = g;
        this.rgba[o + 2] = b;
      }
    }
  }

  /** Whether pixels are little-endian 32 bpp 0x00RRGGBB (bytes B, G, R, X): the fast path. */
  get isBgrx(): boolean {
    const p = this.pf;
    return p.trueColour && p.bitsPerPixel === 32 && !p.bigEndian && p.redShift === 16 && p.greenShift === 8 && p.blueShift === 0 && p.redMax === 255 && p.greenMax === 255 && p.blueMax === 255;
  }

  /** Write w x h packed pixels in the client format. */
  putPixels(x: number, y: number, w: number, h: number, src: Uint8Array): void {
    const bpp = this.bytesPerPixel;
    let s = 0;
    if (this.isBgrx) {
      const d = this.rgba;
      for (let yy = y; yy < y + h; yy++) {
        let o = (yy * this.width + x) * 4;
        const end = o + w * 4;
        for (; o < end; o += 4, s += 4) {
          d[o] = src[s + 2]!;
          d[o + 1] = src[s + 1]!;
          d[o + 2] = src[s]!;
        }
      }
      return;
    }
    for (let yy = y; yy < y + h; yy++) {
      let o = (yy * this.width + x) * 4;
      for (let xx = 0; xx < w; xx++, o += 4, s += bpp) {
        const rgb = this.toRgb(this.readPixel(src, s));
        this.rgba[o] = (rgb >>> 16) & 255;
        this.rgba[o + 1] = (rgb >>> 8) & 255;
        this.rgba[o + 2] = rgb & 255;
      }
    }
  }

  copyRect(sx: number, sy: number, x: number, y: number, w: number, h: number): void {
    const rowBytes = w * 4;
    const tmp = new Uint8Array(rowBytes * h);
    for (let yy = 0; yy < h; yy++) tmp.set(this.rgba.subarray(((sy + yy) * this.width + sx) * 4, ((sy + yy) * this.width + sx) * 4 + rowBytes), yy * rowBytes);
    for (let yy = 0; yy < h; yy++) this.rgba.set(tmp.subarray(yy * rowBytes, (yy + 1) * rowBytes), ((y + yy) * this.width + x) * 4);
  }
}
