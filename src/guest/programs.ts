// The built-in guest programs (--guest NAME), each deterministic for its --seed.
import fs from 'node:fs';
import { PNG } from 'pngjs';
import { drawTestPicture, drawText } from './draw.js';
import { Fb32, setVbeMode, type GuestContext, type GuestProgram } from './guest.js';
import { interactiveDesktop } from './interactive-desktop.js';
import { videoGuest } from './video.js';
import { biosGuest, mode13Guest, modesGuest, planarGuest, terminalGuest } from './vga-programs.js';

import { CLOCK_BOX, DEFAULT_HEIGHT, DEFAULT_WIDTH } from './layout.js';

export { CLOCK_BOX, DEFAULT_HEIGHT, DEFAULT_WIDTH } from './layout.js';

/** Draws the test picture once, then never writes again. */
export const idleGuest: GuestProgram = {
  name: 'idle',
  start(ctx) {
    setVbeMode(ctx.io, DEFAULT_WIDTH, DEFAULT_HEIGHT, 32);
    drawTestPicture(new Fb32(ctx.mem, DEFAULT_WIDTH, DEFAULT_HEIGHT), ctx.rng);
  },
};


export function drawClock(fb: Fb32, text: string): void {
  const b = CLOCK_BOX;
  fb.fillRect(b.x, b.y, b.w, b.h, 0x102030);
  fb.fillRect(b.x, b.y, b.w, 2, 0x60c0ff);
  drawText(fb, b.x + 12, b.y + 10, text, 0x60ff90, 4);
}

function clockText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The test picture plus a clock that redraws once a second. */
export const desktopGuest: GuestProgram = {
  name: 'desktop',
  start(ctx) {
    setVbeMode(ctx.io, DEFAULT_WIDTH, DEFAULT_HEIGHT, 32);
    const fb = new Fb32(ctx.mem, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    drawTestPicture(fb, ctx.rng, 'VRAMVNC DESKTOP');
    drawClock(fb, clockText(new Date()));
    const tick = () => {
      drawClock(fb, clockText(new Date()));
      ctx.setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
    };
    ctx.setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
  },
};

/** Many writes and fills of random sizes at random places, every 30 ms. */
export const randomGuest: GuestProgram = {
  name: 'random',
  start(ctx) {
    const W = DEFAULT_WIDTH;
    const H = DEFAULT_HEIGHT;
    setVbeMode(ctx.io, W, H, 32);
    const fb = new Fb32(ctx.mem, W, H);
    drawTestPicture(fb, ctx.rng, 'VRAMVNC RANDOM');
    const rnd = (n: number) => Math.floor(ctx.rng() * n);
    ctx.setInterval(() => {
      const ops = 1 + rnd(20);
      for (let i = 0; i < ops; i++) {
        const kind = rnd(3);
        const colour = rnd(0x1000000);
        if (kind === 0) fb.fillRect(rnd(W), rnd(H), 1 + rnd(200), 1 + rnd(120), colour);
        else if (kind === 1) for (let k = 0; k < 50; k++) fb.pixel(rnd(W), rnd(H), rnd(0x1000000));
        else {
          const w = 1 + rnd(64);
          const h = 1 + rnd(64);
          const src = new Uint32Array(w * h).map(() => rnd(0x1000000));
          fb.blit(rnd(W - w), rnd(H - h), w, h, src);
        }
      }
    }, 30);
  },
};

/** Shows a PNG at its own size (width rounded up to VBE's multiple of 8, padded black). */
export function imageGuest(file: string): GuestProgram {
  let png: PNG;
  try {
    png = PNG.sync.read(fs.readFileSync(file));
  } catch (err) {
    throw new Error(`cannot read image '${file}': ${(err as Error).message}`);
  }
  return {
    name: `image:${file}`,
    start(ctx: GuestContext) {
      const w = Math.ceil(png.width / 8) * 8;
      setVbeMode(ctx.io, w, png.height, 32);
      const px = new Uint32Array(png.width * png.height);
      const d = png.data;
      for (let i = 0; i < px.length; i++) px[i] = (d[i * 4]! << 16) | (d[i * 4 + 1]! << 8) | d[i * 4 + 2]!;
      new Fb32(ctx.mem, w, png.height).blit(0, 0, png.width, png.height, px);
    },
  };
}

export const GUEST_NAMES = ['idle', 'desktop', 'random', 'bios', 'terminal', 'mode13', 'planar', 'modes', 'video[:WxH]', 'image:<file.png>'];

/** Resolve --guest NAME; throws a readable error for an unknown name. */
export function resolveGuest(name: string): GuestProgram {
  if (name.startsWith('image:')) return imageGuest(name.slice('image:'.length));
  if (name === 'video' || name.startsWith('video:')) return videoGuest(name.slice('video:'.length));
  const table: Record<string, GuestProgram> = {
    idle: idleGuest,
    desktop: interactiveDesktop(),
    random: randomGuest,
    bios: biosGuest,
    terminal: terminalGuest,
    mode13: mode13Guest,
    planar: planarGuest,
    modes: modesGuest(),
  };
  const g = table[name];
  if (!g) throw new Error(`unknown guest '${name}' (known: ${GUEST_NAMES.join(', ')})`);
  return g;
}
