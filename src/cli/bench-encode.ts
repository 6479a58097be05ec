// `vramvnc bench encode`: time and bytes per frame for each encoding on the fixture frames
// (desktop, text, photo, noise, console), and the deterministic generator of those frames.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { Surface } from '../display/surface.js';
import { surfaceToPng } from '../display/png.js';
import { drawTestPicture, drawText } from '../guest/draw.js';
import { Fb32, mulberry32 } from '../guest/guest.js';
import { drawClock } from '../guest/programs.js';
import { FONT_8X16 } from '../vga/fonts/index.js';
import { GuestMemory } from '../hypervisor/memory.js';
import { ByteWriter } from '../rfb/wire/byte-writer.js';
import { EncodingType, encodingName } from '../rfb/wire/encodings.js';
import { EncoderSet } from '../rfb/encodings/select.js';
import type { ParallelDeflate } from '../rfb/wire/zlib-stream.js';
import { NATIVE_FORMAT, PixelTranslator } from '../rfb/wire/pixel-format.js';

export const FRAME_NAMES = ['desktop', 'text', 'photo', 'noise', 'console'] as const;
export type FrameName = (typeof FRAME_NAMES)[number];
const W = 1024;
const H = 768;

/** Draw on a scratch guest memory with the guests' own drawing code, and read it back. */
function fromGuestDrawing(draw: (fb: Fb32) => void): Surface {
  const mem = new GuestMemory(8 * 1024 * 1024);
  const fb = new Fb32(mem, W, H);
  draw(fb);
  const s = new Surface(W, H);
  s.data.set(mem.vram32.subarray(0, W * H));
  for (let i = 0; i < s.data.length; i++) s.data[i]! &= 0xffffff;
  return s;
}

/** The fixture frames, generated deterministically. */
export function synthFrame(name: FrameName): Surface {
  switch (name) {
    case 'desktop':
      // what the desktop guest shows (its clock frozen at 12:34:56)
      return fromGuestDrawing((fb) => {
        drawTestPicture(fb, mulberry32(1), 'VRAMVNC DESKTOP');
        drawClock(fb, '12:34:56');
      });
    case 'text':
      // a terminal: light grey and a few colours on black, 5x7 font at scale 2
      return fromGuestDrawing((fb) => {
        const rng = mulberry32(7);
        const words = ['vramvnc', 'dirty', 'page', 'track', 'xen', 'hvm', 'ioemu', '$', 'ls', '-la', 'make', 'rfb', 'zrle', 'tight', 'ok', 'error:'];
        const colours = [0xc0c0c0, 0xc0c0c0, 0xc0c0c0, 0x60ff60, 0xff6060, 0x6090ff];
        for (let y = 4; y + 16 < H; y += 18) {
          let x = 4;
          while (x < W - 80) {
            const wd = words[Math.floor(rng() * words.length)]!;
            x += drawText(fb, x, y, wd.toUpperCase(), colours[Math.floor(rng() * colours.length)]!, 2) + 12;
            if (rng() < 0.08) break;
          }
        }
      });
    case 'photo': {
      // smooth light and colour with fine texture, like a camera picture
      const s = new Surface(W, H);
      const rng = mulberry32(3);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const u = x / W;
          const v = y / H;
          const sky = 1 - v;
          const hill = Math.sin(u * 7 + Math.sin(v * 3) * 2) * 0.5 + 0.5;
          const sun = Math.exp(-((u - 0.7) ** 2 + (v - 0.25) ** 2) * 30);
          const grain = (rng() - 0.5) * 10;
          const r = 60 + 120 * sun + 60 * hill * v + 40 * sky + grain;
          const g = 80 + 100 * hill * v + 50 * sky + 60 * sun + grain;
          const b = 90 + 140 * sky - 40 * hill * v + grain;
          const c = (n: number) => Math.max(0, Math.min(255, Math.round(n)));
          s.data[y * W + x] = (c(r) << 16) | (c(g) << 8) | c(b);
        }
      return s;
    }
    case 'console':
      return consoleFrame();
    case 'noise': {
      const s = new Surface(W, H);
      const rng = mulberry32(11);
      for (let i = 0; i < s.data.length; i++) s.data[i] = Math.floor(rng() * 0x1000000);
      return s;
    }
  }
}

/**
 * A firmware set-up screen in the VGA 8x16 font, 128 x 48 cells: a blue field, a grey dialog with
 * a shadow, a highlighted menu line, a status bar: what a VM console shows outside an OS.
 */
function consoleFrame(): Surface {
  const s = new Surface(W, H);
  const cols = W / 8;
  const rows = H / 16;
  const cell = (cx: number, cy: number, ch: number, fg: number, bg: number) => {
    for (let y = 0; y < 16; y++) {
      const bits = FONT_8X16.data[ch * 16 + y]!;
      const o = (cy * 16 + y) * W + cx * 8;
      for (let x = 0; x < 8; x++) s.data[o + x] = bits & (0x80 >> x) ? fg : bg;
    }
  };
  const text = (cx: number, cy: number, str: string, fg: number, bg: number) => {
    for (let i = 0; i < str.length && cx + i < cols; i++) cell(cx + i, cy, str.charCodeAt(i), fg, bg);
  };
  const BLUE = 0x0000aa;
  const GREY = 0xaaaaaa;
  const WHITE = 0xffffff;
  const YELLOW = 0xffff55;
  const BLACK = 0x000000;
  const CYAN = 0x00aaaa;
  for (let cy = 0; cy < rows; cy++) for (let cx = 0; cx < cols; cx++) cell(cx, cy, 0x20, GREY, BLUE);
  text(0, 0, ' vramvnc firmware set-up utility'.padEnd(cols), BLUE, CYAN);
  const rng = mulberry32(5);
  const items = ['Boot order', 'Video memory', 'Dirty tracking', 'Drop after idle', 'Refresh', 'Viewers', 'Encodings', 'Security', 'Clock', 'Keyboard', 'Serial port', 'Power'];
  for (let i = 0; i < 40; i++) {
    const name = items[i % items.length]!;
    const value = `[${Math.floor(rng() * 100000)}]`;
    text(3, 3 + i, `${name} ${i + 1}`.padEnd(30, '.'), i === 7 ? WHITE : GREY, i === 7 ? 0xaa0000 : BLUE);
    text(34, 3 + i, value, YELLOW, BLUE);
  }
  // a dialog with a double-line frame (code page 437 box drawing) and its shadow
  const [dx, dy, dw, dh] = [60, 14, 50, 14];
  for (let y = 0; y < dh; y++)
    for (let x = 0; x < dw; x++) {
      const edgeY = y === 0 || y === dh - 1;
      const edgeX = x === 0 || x === dw - 1;
      const ch = edgeY && edgeX ? (y === 0 ? (x === 0 ? 0xc9 : 0xbb) : x === 0 ? 0xc8 : 0xbc) : edgeY ? 0xcd : edgeX ? 0xba : 0x20;
      cell(dx + x, dy + y, ch, BLACK, GREY);
    }
  for (let y = 1; y <= dh; y++) cell(dx + dw, dy + y, 0x20, GREY, BLACK);
  for (let x = 1; x <= dw; x++) cell(dx + x, dy + dh, 0x20, GREY, BLACK);
  text(dx + 2, dy + 2, 'Save changes and exit?', BLACK, GREY);
  for (let i = 0; i < 6; i++) text(dx + 2, dy + 4 + i, `  option ${i + 1}: ${Math.floor(rng() * 1e9).toString(16)}`, BLACK, GREY);
  text(dx + 12, dy + 11, ' Yes ', WHITE, 0xaa0000);
  text(dx + 30, dy + 11, ' No ', BLACK, GREY);
  text(0, rows - 1, ' F1 Help  F5/F6 Change  F9 Defaults  F10 Save  ESC Exit'.padEnd(cols), BLACK, CYAN);
  return s;
}

export function surfaceFromPng(buf: Buffer): Surface {
  const png = PNG.sync.read(buf);
  const s = new Surface(png.width, png.height);
  const d = png.data;
  for (let i = 0; i < s.data.length; i++) s.data[i] = (d[i * 4]! << 16) | (d[i * 4 + 1]! << 8) | d[i * 4 + 2]!;
  return s;
}

/** The fixture frames from fixtures/frames/<name>.png (falling back to generating them). */
export function loadFrame(name: FrameName, dir = defaultFramesDir()): Surface {
  const file = path.join(dir, `${name}.png`);
  return fs.existsSync(file) ? surfaceFromPng(fs.readFileSync(file)) : synthFrame(name);
}

export function defaultFramesDir(): string {
  // dist/src/cli → repo root, or src/cli under vitest
  let d = path.dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(d, 'fixtures'))) return path.join(d, 'fixtures', 'frames');
    d = path.dirname(d);
  }
  return path.resolve('fixtures/frames');
}

export function writeFrames(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return FRAME_NAMES.map((n) => {
    const f = path.join(dir, `${n}.png`);
    fs.writeFileSync(f, surfaceToPng(synthFrame(n)));
    return f;
  });
}

export interface BenchRow {
  frame: string;
  encoding: string;
  msPerFrame: number;
  bytesPerFrame: number;
  ratioToRaw: number;
}

/** The encodings the bench compares, as a client would list them (plus a QualityLevel for Tight+JPEG). */
export const BENCH_CASES: { label: string; encodings: number[] }[] = [
  { label: 'Raw', encodings: [EncodingType.Raw] },
  { label: 'RRE', encodings: [EncodingType.RRE] },
  { label: 'Hextile', encodings: [EncodingType.Hextile] },
  { label: 'Zlib', encodings: [EncodingType.Zlib] },
  { label: 'ZRLE', encodings: [EncodingType.ZRLE] },
  { label: 'Tight', encodings: [EncodingType.Tight] },
  { label: 'Tight+JPEG q6', encodings: [EncodingType.Tight, EncodingType.QualityLevel0 + 6] },
  { label: 'TightPNG', encodings: [EncodingType.TightPNG] },
];

/**
 * Encode each whole frame `iterations` times with a fresh session's encoders (as a client's first
 * full update), the 12-byte rectangle headers included; `deflate` is the server's deflate pool.
 */
export function benchEncode(frames: { name: string; surface: Surface }[], iterations = 3, cases = BENCH_CASES, deflate: ParallelDeflate | null = null): BenchRow[] {
  const rows: BenchRow[] = [];
  const tr = new PixelTranslator(NATIVE_FORMAT);
  for (const { name, surface } of frames) {
    const full = { x: 0, y: 0, w: surface.width, h: surface.height };
    const raw = surface.width * surface.height * 4 + 12;
    for (const c of cases) {
      const out = new ByteWriter(raw + 1024);
      let bytes = 0;
      const t0 = performance.now();
      for (let i = 0; i < iterations; i++) {
        const set = new EncoderSet(deflate);
        set.setEncodings(c.encodings, paramsFor(c.encodings));
        out.reset();
        set.encode(full, surface, tr, out);
        bytes = out.length;
        set.reset();
      }
      const ms = (performance.now() - t0) / iterations;
      rows.push({ frame: name, encoding: c.label, msPerFrame: ms, bytesPerFrame: bytes, ratioToRaw: raw / bytes });
    }
  }
  return rows;
}

function paramsFor(list: number[]) {
  const q = list.find((e) => e >= EncodingType.QualityLevel0 && e <= EncodingType.QualityLevel9);
  return { compressLevel: null, qualityLevel: q === undefined ? null : q - EncodingType.QualityLevel0, tightGradient: true };
}

export function formatBenchTable(rows: BenchRow[]): string {
  const head = ['frame', 'encoding', 'ms/frame', 'bytes/frame', 'Raw/enc'];
  const body = rows.map((r) => [r.frame, r.encoding, r.msPerFrame.toFixed(1), String(r.bytesPerFrame), `${r.ratioToRaw.toFixed(1)}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export { encodingName };
