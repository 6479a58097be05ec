// The `desktop` guest, interactive: the test picture and its clock, a draggable "notepad" window
// with a text box, and a pointer the guest draws itself. It drives the i8042 at ports 0x60/0x64
// as a guest driver does (enables the mouse, reads scancodes and mouse packets) and composites
// background, window and pointer in its own RAM before each blit to the linear framebuffer.
import { drawTestPicture, drawText } from './draw.js';
import { Fb32, setVbeMode, type GuestContext, type GuestProgram } from './guest.js';
import { CLOCK_BOX, DEFAULT_HEIGHT, DEFAULT_WIDTH } from './layout.js';
import { I8042_DATA_PORT, I8042_STATUS_PORT, Status } from '../input/i8042.js';
import { Set1Decoder } from '../input/scancodes.js';
import { unionRect, type Rect } from '../display/surface.js';

/** A framebuffer in guest RAM (not VRAM): the same drawing calls, no stores to the LFB. */
export class OffscreenFb extends Fb32 {
  readonly data: Uint32Array;

  constructor(ctx: GuestContext, width: number, height: number) {
    super(ctx.mem, width, height);
    this.data = new Uint32Array(width * height);
  }

  override pixel(x: number, y: number, rgb: number): void {
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.data[y * this.width + x] = rgb;
  }

  override fillRect(x: number, y: number, w: number, h: number, rgb: number): void {
    const x0 = Math.max(0, x);
    const x1 = Math.min(this.width, x + w);
    if (x1 <= x0) return;
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) this.data.fill(rgb, yy * this.width + x0, yy * this.width + x1);
  }

  override blit(x: number, y: number, w: number, h: number, src: Uint32Array): void {
    for (let r = 0; r < h; r++) this.data.set(src.subarray(r * w, r * w + w), (y + r) * this.width + x);
  }
}

// The pointer sprite: '#' black outline, '.' white fill; the hotspot is the top-left tip.
const ARROW = [
  '#', '##', '#.#', '#..#', '#...#', '#....#', '#.....#', '#......#', '#.......#', '#........#',
  '#.....####', '#..#..#', '#.# #..#', '##  #..#', '#    #..#', '     #..#', '      ##',
];
const ARROW_W = 10;
const ARROW_H = ARROW.length;

const NOTE_W = 420;
const NOTE_H = 120;
const TITLE_H = 22;
const BOX = { x: 10, y: 32, w: NOTE_W - 20, h: 30 };
const TEXT_SCALE = 2;
const MAX_TEXT = Math.floor((BOX.w - 12) / (6 * TEXT_SCALE));

export interface DesktopState {
  text: string;
  pointer: { x: number; y: number; buttons: number };
  window: { x: number; y: number; w: number; h: number; titleHeight: number };
  /** The notepad's text box, in screen coordinates. */
  textBox: Rect;
  status: string;
}

export interface InteractiveDesktop extends GuestProgram {
  readonly state: DesktopState;
}

function clockText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  return x1 > x && y1 > y ? { x, y, w: x1 - x, h: y1 - y } : null;
}

/** A fresh interactive desktop (its state is per instance). */
export function interactiveDesktop(options: { clock?: boolean } = {}): InteractiveDesktop {
  const W = DEFAULT_WIDTH;
  const H = DEFAULT_HEIGHT;
  const state: DesktopState = {
    text: '',
    pointer: { x: 0, y: 0, buttons: 0 },
    window: { x: 560, y: 330, w: NOTE_W, h: NOTE_H, titleHeight: TITLE_H },
    textBox: { x: 0, y: 0, w: BOX.w, h: BOX.h },
    status: 'TYPE HERE. ENTER COPIES.',
  };
  const syncBox = () => {
    state.textBox = { x: state.window.x + BOX.x, y: state.window.y + BOX.y, w: BOX.w, h: BOX.h };
  };
  syncBox();

  return {
    name: 'desktop',
    state,
    start(ctx: GuestContext) {
      setVbeMode(ctx.io, W, H, 32);
      const lfb = new Fb32(ctx.mem, W, H);
      const bg = new OffscreenFb(ctx, W, H);
      drawTestPicture(bg, ctx.rng, 'VRAMVNC DESKTOP');
      const note = new OffscreenFb(ctx, NOTE_W, NOTE_H);
      const out = new Uint32Array(W * H);

      const drawClock = () => {
        const b = CLOCK_BOX;
        bg.fillRect(b.x, b.y, b.w, b.h, 0x102030);
        bg.fillRect(b.x, b.y, b.w, 2, 0x60c0ff);
        drawText(bg, b.x + 12, b.y + 10, clockText(new Date()), 0x60ff90, 4);
      };

      const drawNote = () => {
        note.fillRect(0, 0, NOTE_W, NOTE_H, 0xe8e8e0);
        note.fillRect(0, 0, NOTE_W, 1, 0x404040);
        note.fillRect(0, NOTE_H - 1, NOTE_W, 1, 0x404040);
        note.fillRect(0, 0, 1, NOTE_H, 0x404040);
        note.fillRect(NOTE_W - 1, 0, 1, NOTE_H, 0x404040);
        note.fillRect(1, 1, NOTE_W - 2, TITLE_H - 1, 0x207040);
        drawText(note, 8, 8, 'NOTEPAD - DRAG THIS BAR', 0xffffff, 1);
        note.fillRect(BOX.x - 1, BOX.y - 1, BOX.w + 2, BOX.h + 2, 0x303030);
        note.fillRect(BOX.x, BOX.y, BOX.w, BOX.h, 0xffffff);
        const tw = drawText(note, BOX.x + 6, BOX.y + 8, state.text, 0x101010, TEXT_SCALE);
        note.fillRect(BOX.x + 6 + tw, BOX.y + 6, 2, 18, 0x2050c0); // the caret
        drawText(note, 10, BOX.y + BOX.h + 12, state.status, 0x303030, 1);
        drawText(note, 10, BOX.y + BOX.h + 26, `CLIPBOARD: ${ctx.input.clipboard.slice(0, 50)}`, 0x606060, 1);
      };

      const pointerRect = (): Rect => ({ x: state.pointer.x, y: state.pointer.y, w: ARROW_W, h: ARROW_H });
      const windowRect = (): Rect => ({ x: state.window.x, y: state.window.y, w: NOTE_W, h: NOTE_H });

      /** Composite background, window and pointer over r and blit it to the LFB. */
      const present = (rect: Rect) => {
        const r = intersect(rect, { x: 0, y: 0, w: W, h: H });
        if (!r || ctx.stopped) return;
        const buf = out.subarray(0, r.w * r.h);
        for (let y = 0; y < r.h; y++) buf.set(bg.data.subarray((r.y + y) * W + r.x, (r.y + y) * W + r.x + r.w), y * r.w);
        const wr = intersect(r, windowRect());
        if (wr) {
          for (let y = wr.y; y < wr.y + wr.h; y++) {
            const src = (y - state.window.y) * NOTE_W + (wr.x - state.window.x);
            buf.set(note.data.subarray(src, src + wr.w), (y - r.y) * r.w + (wr.x - r.x));
          }
        }
        const pr = intersect(r, pointerRect());
        if (pr) {
          for (let y = pr.y; y < pr.y + pr.h; y++) {
            const row = ARROW[y - state.pointer.y]!;
            for (let x = pr.x; x < pr.x + pr.w; x++) {
              const c = row[x - state.pointer.x];
              if (c === '#') buf[(y - r.y) * r.w + (x - r.x)] = 0x000000;
              else if (c === '.') buf[(y - r.y) * r.w + (x - r.x)] = 0xffffff;
            }
          }
        }
        lfb.blit(r.x, r.y, r.w, r.h, buf);
      };

      /** Repaint an old and a new place: one blit if they overlap, two if not (no stores in between). */
      const presentBoth = (a: Rect, b: Rect) => {
        if (intersect(a, b)) present(unionRect(a, b));
        else {
          present(a);
          present(b);
        }
      };

      const redrawNote = () => {
        drawNote();
        present(windowRect());
      };

      // --- the keyboard controller, as a driver programs it ---
      const io = ctx.io;
      const flush = () => {
        for (let i = 0; i < 64 && io.inb(I8042_STATUS_PORT) & Status.OutputFull; i++) io.inb(I8042_DATA_PORT);
      };
      flush();
      io.outb(I8042_STATUS_PORT, 0x20); // read the command byte
      const mode = io.inb(I8042_DATA_PORT);
      io.outb(I8042_STATUS_PORT, 0x60); // write it back with the mouse IRQ on
      io.outb(I8042_DATA_PORT, (mode | 0x02) & ~0x20);
      io.outb(I8042_STATUS_PORT, 0xa8); // enable the aux port
      io.outb(I8042_STATUS_PORT, 0xd4); // to the mouse: enable data reporting
      io.outb(I8042_DATA_PORT, 0xf4);
      flush(); // its ACK

      const keys = new Set1Decoder();
      const packet: number[] = [];
      let drag: { dx: number; dy: number } | null = null;

      const onKey = (byte: number) => {
        const ev = keys.feed(byte);
        if (!ev || !ev.down) return;
        if (ev.extended && ev.code === 0x53 && keys.ctrl && keys.alt) {
          state.text = '';
          state.status = 'CTRL-ALT-DEL: TEXT CLEARED';
          redrawNote();
          return;
        }
        const ch = ev.char;
        if (ch === null || keys.ctrl || keys.alt) return;
        if (ch === '\b') state.text = state.text.slice(0, -1);
        else if (ch === '\n') {
          ctx.input.setGuestClipboard(state.text);
          state.status = 'COPIED TO THE CLIPBOARD';
        } else if (ch !== '\t' && state.text.length < MAX_TEXT) state.text += ch;
        redrawNote();
      };

      const onMouse = (b0: number, b1: number, b2: number) => {
        const dx = b1 - (b0 & 0x10 ? 256 : 0);
        const dy = b2 - (b0 & 0x20 ? 256 : 0);
        const before = pointerRect();
        const beforeWin = windowRect();
        const p = state.pointer;
        p.x = Math.max(0, Math.min(W - 1, p.x + dx));
        p.y = Math.max(0, Math.min(H - 1, p.y - dy)); // PS/2: up is positive
        const left = (b0 & 1) !== 0;
        const wasLeft = (p.buttons & 1) !== 0;
        p.buttons = b0 & 7;
        const win = state.window;
        if (left && !wasLeft && p.x >= win.x && p.x < win.x + NOTE_W && p.y >= win.y && p.y < win.y + TITLE_H) {
          drag = { dx: p.x - win.x, dy: p.y - win.y };
        } else if (!left) drag = null;
        if (drag) {
          win.x = Math.max(-NOTE_W + 40, Math.min(W - 40, p.x - drag.dx));
          win.y = Math.max(0, Math.min(H - TITLE_H, p.y - drag.dy));
          syncBox();
          presentBoth(beforeWin, windowRect());
        }
        presentBoth(before, pointerRect());
      };

      /** The interrupt handler: everything the controller holds. */
      const service = () => {
        for (let i = 0; i < 1024; i++) {
          const st = io.inb(I8042_STATUS_PORT);
          if (!(st & Status.OutputFull)) return;
          const b = io.inb(I8042_DATA_PORT);
          if (st & Status.AuxData) {
            if (packet.length === 0 && !(b & 0x08)) continue; // out of sync: wait for a first byte
            packet.push(b);
            if (packet.length === 3) {
              const [b0, b1, b2] = packet as [number, number, number];
              packet.length = 0;
              onMouse(b0, b1, b2);
            }
          } else onKey(b);
        }
      };
      ctx.input.onEvent((e) => {
        if (ctx.stopped) return;
        if (e.kind === 'cut') redrawNote();
        else service();
      });

      drawClock();
      drawNote();
      present({ x: 0, y: 0, w: W, h: H });
      if (options.clock !== false) {
        const tick = () => {
          drawClock();
          present(CLOCK_BOX);
          ctx.setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
        };
        ctx.setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
      }
    },
  };
}
