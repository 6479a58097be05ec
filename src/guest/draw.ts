// Guest-side drawing helpers on a 32 bpp framebuffer: text in the 5x7 font and the test picture.
import { Fb32 } from './guest.js';
import { glyph, GLYPH_H, GLYPH_W } from './font5x7.js';

/** Draw text with the 5x7 font at `scale`, one store per lit pixel block. Returns the width drawn. */
export function drawText(fb: Fb32, x: number, y: number, text: string, rgb: number, scale = 1): number {
  let cx = x;
  for (const ch of text) {
    const rows = glyph(ch);
    for (let gy = 0; gy < GLYPH_H; gy++) {
      const bits = rows[gy]!;
      for (let gx = 0; gx < GLYPH_W; gx++) {
        if (bits & (1 << (GLYPH_W - 1 - gx))) fb.fillRect(cx + gx * scale, y + gy * scale, scale, scale, rgb);
      }
    }
    cx += (GLYPH_W + 1) * scale;
  }
  return cx - x;
}

const WORDS = ['VRAM', 'DIRTY', 'PAGE', 'TRACK', 'XEN', 'HVM', 'GUEST', 'VGA', 'VBE', 'LFB', 'RFB', 'FRAME', 'BUFFER', 'IDLE', 'DROP', 'FAULT', 'QUERY', 'BITMAP', 'SCAN', 'PIXEL'];

/**
 * The test picture: a vertical gradient desktop, a window with lines of text, colour bars with
 * sharp edges, a checkerboard and diagonal lines. Deterministic for a given rng.
 */
export function drawTestPicture(fb: Fb32, rng: () => number, title = 'VRAMVNC TEST PICTURE'): void {
  const { width: W, height: H } = fb;
  // gradient background, one row at a time through a row blit
  const row = new Uint32Array(W);
  const img = new Uint32Array(W * H);
  for (let y = 0; y < H; y++) {
    const t = y / Math.max(1, H - 1);
    for (let x = 0; x < W; x++) {
      const r = Math.round(20 + 40 * t + (30 * x) / W);
      const g = Math.round(60 + 80 * t);
      const b = Math.round(120 + 100 * (1 - t));
      row[x] = (r << 16) | (g << 8) | b;
    }
    img.set(row, y * W);
  }
  fb.blit(0, 0, W, H, img);
  // task bar
  fb.fillRect(0, H - 28, W, 28, 0x202830);
  fb.fillRect(0, H - 28, W, 1, 0x8090a0);
  fb.fillRect(4, H - 24, 72, 20, 0x3060c0);
  drawText(fb, 12, H - 18, 'START', 0xffffff, 1);
  // a window with text lines
  const wx = Math.floor(W * 0.06);
  const wy = Math.floor(H * 0.08);
  const ww = Math.floor(W * 0.55);
  const wh = Math.floor(H * 0.6);
  fb.fillRect(wx + 6, wy + 6, ww, wh, 0x101418); // shadow
  fb.fillRect(wx, wy, ww, wh, 0xf4f4f0);
  fb.fillRect(wx, wy, ww, 22, 0x2050a0);
  drawText(fb, wx + 8, wy + 8, title, 0xffffff, 1);
  fb.fillRect(wx + ww - 18, wy + 5, 12, 12, 0xd04040);
  for (let line = 0, ty = wy + 32; ty + 9 < wy + wh - 6; line++, ty += 11) {
    let tx = wx + 10;
    const colour = line % 7 === 0 ? 0x802020 : 0x202020;
    while (tx < wx + ww - 60) {
      const word = WORDS[Math.floor(rng() * WORDS.length)]!;
      tx += drawText(fb, tx, ty, word, colour, 1) + 6;
    }
  }
  // colour bars
  const bars = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000];
  const bx = Math.floor(W * 0.66);
  const by = Math.floor(H * 0.08);
  const bw = Math.floor(W * 0.3);
  const bh = Math.floor(H * 0.25);
  for (let i = 0; i < bars.length; i++) {
    const x0 = bx + Math.floor((i * bw) / bars.length);
    const x1 = bx + Math.floor(((i + 1) * bw) / bars.length);
    fb.fillRect(x0, by, x1 - x0, bh, bars[i]!);
  }
  // checkerboard
  const cy = by + bh + 16;
  for (let j = 0; j < 8; j++) for (let i = 0; i < 16; i++) fb.fillRect(bx + i * Math.floor(bw / 16), cy + j * 8, Math.floor(bw / 16), 8, (i + j) & 1 ? 0x000000 : 0xffffff);
  // diagonal lines
  const dy = cy + 80;
  for (let k = 0; k < 12; k++) for (let d = 0; d < 80 && dy + d < H - 30; d++) fb.pixel(bx + k * 20 + d, dy + d, 0xffd020);
  // a few random small boxes
  for (let i = 0; i < 24; i++) {
    const x = Math.floor(rng() * (W - 20));
    const y = Math.floor(rng() * (H - 60));
    fb.fillRect(x, y, 6 + Math.floor(rng() * 14), 6 + Math.floor(rng() * 14), Math.floor(rng() * 0xffffff));
  }
}
