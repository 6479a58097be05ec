// The `video` guest: a region (default the whole 1024x768 screen) where every pixel changes every
// frame, drawn with row blits as a video player's guest driver would, at a fixed frame rate.
import { Fb32, setVbeMode, type GuestProgram } from './guest.js';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH } from './layout.js';

export const VIDEO_FRAME_MS = 10;

/** `video` (whole screen) or `video:WxH` (a centred region of that size). */
export function videoGuest(spec = ''): GuestProgram {
  let w = DEFAULT_WIDTH;
  let h = DEFAULT_HEIGHT;
  if (spec) {
    const m = /^(\d+)x(\d+)$/.exec(spec);
    if (!m) throw new Error(`video guest: expected video:WIDTHxHEIGHT, got 'video:${spec}'`);
    w = Math.min(DEFAULT_WIDTH, Number(m[1]));
    h = Math.min(DEFAULT_HEIGHT, Number(m[2]));
    if (w < 1 || h < 1) throw new Error(`video guest: empty region ${spec}`);
  }
  return {
    name: spec ? `video:${spec}` : 'video',
    start(ctx) {
      setVbeMode(ctx.io, DEFAULT_WIDTH, DEFAULT_HEIGHT, 32);
      const fb = new Fb32(ctx.mem, DEFAULT_WIDTH, DEFAULT_HEIGHT);
      fb.fillRect(0, 0, DEFAULT_WIDTH, DEFAULT_HEIGHT, 0x202020);
      // a smooth "plasma" texture twice as wide as the region; each frame shows it shifted
      const tw = w * 2;
      const tex = new Uint32Array(tw * h);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < tw; x++) {
          const v = Math.sin(x / 23) + Math.sin(y / 17) + Math.sin((x + y) / 31) + Math.sin(Math.hypot(x - w, y - h / 2) / 13);
          const r = Math.floor(128 + 127 * Math.sin(v * 1.3));
          const g = Math.floor(128 + 127 * Math.sin(v * 1.3 + 2.1));
          const b = Math.floor(128 + 127 * Math.sin(v * 1.3 + 4.2));
          tex[y * tw + x] = (r << 16) | (g << 8) | b;
        }
      const x0 = Math.floor((DEFAULT_WIDTH - w) / 2);
      const y0 = Math.floor((DEFAULT_HEIGHT - h) / 2);
      const bytes = new Uint8Array(tex.buffer);
      let frame = 0;
      ctx.setInterval(() => {
        const shift = ((frame++ * 3) % w) * 4;
        fb.mem.blitRows(fb.base + (y0 * DEFAULT_WIDTH + x0) * 4, fb.stride, bytes.subarray(shift), tw * 4, w * 4, h);
      }, VIDEO_FRAME_MS);
    },
  };
}
