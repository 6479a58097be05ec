// Pseudo-encodings with a body that the headless client records: Cursor (-239), DesktopName (-307).
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import type { ClientFramebuffer } from '../framebuffer.js';
import type { Decoder, RectHeader } from './decoder.js';

export interface CursorShape {
  hotX: number;
  hotY: number;
  width: number;
  height: number;
  /** RGBA, alpha 255 where the bitmask is set, else 0. */
  rgba: Uint8Array;
}

export class CursorDecoder implements Decoder {
  shape: CursorShape | null = null;

  decode(r: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean {
    const bpp = fb.bytesPerPixel;
    const maskRow = (r.w + 7) >> 3;
    const total = r.w * r.h * bpp + maskRow * r.h;
    if (q.length < total) return false;
    const b = q.consume(total);
    const rgba = new Uint8Array(r.w * r.h * 4);
    const m = r.w * r.h * bpp;
    for (let y = 0; y < r.h; y++)
      for (let x = 0; x < r.w; x++) {
        const i = y * r.w + x;
        const rgb = fb.toRgb(fb.readPixel(b, i * bpp));
        rgba[i * 4] = rgb >>> 16;
        rgba[i * 4 + 1] = rgb >>> 8;
        rgba[i * 4 + 2] = rgb;
        rgba[i * 4 + 3] = b[m + y * maskRow + (x >> 3)]! & (0x80 >> (x & 7)) ? 255 : 0;
      }
    this.shape = { hotX: r.x, hotY: r.y, width: r.w, height: r.h, rgba };
    return true;
  }
}

export class DesktopNameDecoder implements Decoder {
  name: string | null = null;

  decode(_r: RectHeader, q: ByteQueue): boolean {
    if (q.length < 4) return false;
    const len = q.peek(4).readUInt32BE(0);
    if (q.length < 4 + len) return false;
    this.name = q.consume(4 + len).subarray(4).toString('utf8');
    return true;
  }
}

/** A pseudo-rectangle with no body (QEMU Extended Key Event acknowledgement). */
export class EmptyDecoder implements Decoder {
  seen = 0;
  decode(): boolean {
    this.seen++;
    return true;
  }
}

/** QEMU LED state (-261): one byte, bit 0 Scroll, 1 Num, 2 Caps Lock. */
export class LedStateDecoder implements Decoder {
  leds: number | null = null;
  decode(_r: RectHeader, q: ByteQueue): boolean {
    if (q.length < 1) return false;
    this.leds = q.consume(1)[0]!;
    return true;
  }
}
