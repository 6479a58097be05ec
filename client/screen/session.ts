// A screen session for tests: wait on what a VNC server shows (needles, stillness, change) and drive its input.
// Every wait is driven by the updates the client receives: nothing polls the screen.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { RfbClient, type UpdateInfo } from '../headless/rfb-client.js';
import { copyImage, encodePng, intersects, type Rect, type RgbaImage } from './image.js';
import { charKeyEvents, parseKeyCombo } from '../../src/rfb/wire/keysyms.js';
import {
  findNeedles,
  loadNeedle,
  searchRegions,
  type Needle,
} from './needle.js';
import {
  describeMatch,
  matchNeedle,
  matchNeedles,
  writeMatchFailure,
  type FailureFiles,
  type NeedleMatch,
} from './needle-match.js';


/** typeText's pace: this many characters (at most 16 bytes of set-1 scancodes), then a pause. */
export const TYPE_BURST = 4;
export const TYPE_GAP_MS = 20;

export interface ConnectOptions {
  password?: string;
  /** Connecting and the first frame must take no longer than this (default 10 s). */
  timeoutMs?: number;
  /** Where assertScreen writes actual/expected/diff PNGs (default $SCREEN_OUTPUT_DIR or test-output/screen). */
  outDir?: string;
}

/** What assertScreen accepts: a needle, several, a needle JSON path, or a directory and tag(s). */
export type NeedleInput = Needle | Needle[] | string | { dir: string; tag: string };

export interface ScreenChange {
  /** The rectangles whose pixels changed (pixel-identical repaints are not changes). */
  rects: Rect[];
  /** performance.now() when the update that carried the change had been decoded. */
  at: number;
}

export interface ScreenMatch extends NeedleMatch {
  /** performance.now() when the match was found. */
  at: number;
  /** Milliseconds from the call to the match. */
  elapsedMs: number;
}

export interface CheckResult {
  ok: boolean;
  match: ScreenMatch | null;
  /** The best candidate (the match itself when ok), with exact similarities when not ok. */
  best: NeedleMatch | null;
}

/** assertScreen's rejection: names the best candidate and where the pictures are. */
export class ScreenMatchError extends Error {
  override name = 'ScreenMatchError';
  constructor(message: string, readonly best: NeedleMatch | null, readonly files: FailureFiles | null) {
    super(message);
  }
}

export type MouseButton = 'left' | 'middle' | 'right';
const BUTTON_MASK: Record<MouseButton, number> = { left: 1, middle: 2, right: 4 };

/** Connect to any RFB server and wait for its first complete frame. */
export async function connect(url: string, opts: ConnectOptions = {}): Promise<Screen> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const client = await RfbClient.connect(url, { timeoutMs, ...(opts.password === undefined ? {} : { password: opts.password }) });
  try {
    await client.waitFirstFrame(timeoutMs);
  } catch (err) {
    client.close();
    throw err;
  }
  return new Screen(client, opts);
}

export function resolveNeedles(input: NeedleInput): Needle[] {
  if (typeof input === 'string') return [loadNeedle(input)];
  if (Array.isArray(input)) {
    if (input.length === 0) throw new Error('no needles given');
    return input;
  }
  if ('dir' in input) return findNeedles(input.dir, input.tag);
  return [input];
}

export class Screen extends EventEmitter {
  /** performance.now() of the last change (or of the first frame). */
  lastChangeAt = performance.now();
  changes = 0;
  readonly outDir: string;
  #shadow: RgbaImage;
  #x = 0;
  #y = 0;
  #buttons = 0;

  constructor(readonly client: RfbClient, opts: ConnectOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.outDir = opts.outDir ?? process.env.SCREEN_OUTPUT_DIR ?? path.resolve('test-output/screen');
    this.#shadow = copyImage(this.image());
    client.on('update', (u: UpdateInfo) => this.#onUpdate(u));
    client.on('close', (reason: string) => this.emit('close', reason));
  }

  get width(): number {
    return this.client.width;
  }

  get height(): number {
    return this.client.height;
  }

  /** The live framebuffer (not a copy: it changes with the next update). */
  image(): RgbaImage {
    return { width: this.client.fb.width, height: this.client.fb.height, data: this.client.fb.rgba };
  }

  /** The screen now, as PNG bytes or as a copy of its RGBA pixels. */
  screenshot(format: 'png'): Buffer;
  screenshot(format?: 'rgba'): RgbaImage;
  screenshot(format: 'png' | 'rgba' = 'rgba'): Buffer | RgbaImage {
    return format === 'png' ? encodePng(this.image()) : copyImage(this.image());
  }

  /** Compare updated rects with the last picture: only real pixel changes count. */
  #onUpdate(u: UpdateInfo): void {
    const img = this.image();
    const sh = this.#shadow;
    const changed: Rect[] = [];
    if (sh.width !== img.width || sh.height !== img.height) {
      this.#shadow = copyImage(img);
      changed.push({ x: 0, y: 0, w: img.width, h: img.height });
    } else {
      for (const r of u.rects) {
        if (r.encoding < 0) continue; // pseudo-encodings carry no pixels
        const x0 = Math.min(r.x, img.width);
        const x1 = Math.min(r.x + r.w, img.width);
        let diff = false;
        for (let y = r.y; y < Math.min(r.y + r.h, img.height); y++) {
          const a = (y * img.width + x0) * 4;
          const b = (y * img.width + x1) * 4;
          if (!diff && !Buffer.from(img.data.buffer, img.data.byteOffset + a, b - a).equals(Buffer.from(sh.data.buffer, sh.data.byteOffset + a, b - a))) diff = true;
          if (diff) sh.data.set(img.data.subarray(a, b), a);
        }
        if (diff) changed.push({ x: r.x, y: r.y, w: r.w, h: r.h });
      }
    }
    if (changed.length === 0) return;
    const at = performance.now();
    this.lastChangeAt = at;
    this.changes++;
    this.emit('change', { rects: changed, at } satisfies ScreenChange);
  }

  /**
   * Match now and then after every change that touches a needle's search region, until a needle
   * matches or timeoutMs passes. Never throws for a mismatch (see assertScreen).
   */
  checkScreen(needles: NeedleInput, opts: { timeoutMs?: number } = {}): Promise<CheckResult> {
    const list = resolveNeedles(needles);
    const timeoutMs = opts.timeoutMs ?? 0;
    const regions = list.flatMap(searchRegions);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let scheduled = false;
      let done = false;
      // after a check that took T ms the next waits until T ms have passed: matching a busy screen
      // takes at most half a core, and adds at most one check's time to the latency
      let lastEnd = -Infinity;
      let lastCost = 0;
      let throttle: NodeJS.Timeout | undefined;
      const finish = (r: CheckResult | Error) => {
        done = true;
        clearTimeout(timer);
        clearTimeout(throttle);
        this.off('change', onChange);
        this.off('close', onClose);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const tryNow = (final: boolean): boolean => {
        const img = this.image();
        const { match, best } = final ? matchNeedles(img, list) : firstMatch(img, list);
        if (match) {
          const at = performance.now();
          finish({ ok: true, match: { ...match, at, elapsedMs: at - started }, best: match });
          return true;
        }
        if (final) finish({ ok: false, match: null, best });
        return false;
      };
      const check = () => {
        scheduled = false;
        if (done) return;
        const t = performance.now();
        tryNow(false);
        lastEnd = performance.now();
        lastCost = lastEnd - t;
      };
      const onChange = (c: ScreenChange) => {
        if (scheduled || done || !c.rects.some((r) => regions.some((g) => intersects(r, g)))) return;
        // one check per batch of updates decoded from the same socket read
        scheduled = true;
        const wait = lastCost - (performance.now() - lastEnd);
        if (wait >= 1) throttle = setTimeout(check, wait);
        else queueMicrotask(check);
      };
      const onClose = (reason: string) => finish(new Error(`connection closed while waiting for the screen: ${reason}`));
      const timer = setTimeout(() => {
        if (!done) tryNow(true);
      }, timeoutMs);
      if (this.client.state === 'Closed') return onClose(this.client.closeReason ?? 'closed');
      if (timeoutMs > 0) {
        check();
        if (done) return;
      }
      this.on('change', onChange);
      this.on('close', onClose);
    });
  }

  /**
   * Resolve with the match once one of the needles matches; reject after timeoutMs (default 10 s) with
   * a ScreenMatchError naming the best candidate and its similarity, having written
   * NAME.actual.png, NAME.expected.png and NAME.diff.png into outDir.
   */
  async assertScreen(needles: NeedleInput, opts: { timeoutMs?: number; outDir?: string } = {}): Promise<ScreenMatch> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const r = await this.checkScreen(needles, { timeoutMs });
    if (r.ok) return r.match!;
    const screen = this.screenshot();
    const files = r.best ? writeMatchFailure(screen, r.best, opts.outDir ?? this.outDir) : null;
    const what = r.best ? `best candidate ${describeMatch(r.best)}` : 'no candidates';
    const where = files ? `; see ${files.actual.replace(/\.actual\.png$/, '')}.{actual,expected,diff}.png` : '';
    throw new ScreenMatchError(`no needle matched within ${timeoutMs} ms: ${what}${where}`, r.best, files);
  }

  /**
   * Resolve once nothing on the screen (or in area) has changed for stillMs (default 1000), counting
   * from the last change already seen; reject if that does not happen within timeoutMs (default 30 s).
   */
  waitStill(opts: { stillMs?: number; timeoutMs?: number; area?: Rect } = {}): Promise<{ stillMs: number; changes: number }> {
    const stillMs = opts.stillMs ?? 1000;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const area = opts.area;
    const started = performance.now();
    let last = area ? started : this.lastChangeAt;
    let changes = 0;
    return new Promise((resolve, reject) => {
      let still: NodeJS.Timeout;
      const finish = (err: Error | null) => {
        clearTimeout(still);
        clearTimeout(deadline);
        this.off('change', onChange);
        this.off('close', onClose);
        if (err) reject(err);
        else resolve({ stillMs: performance.now() - last, changes });
      };
      const arm = () => {
        clearTimeout(still);
        const left = stillMs - (performance.now() - last);
        // timers may fire a fraction of a millisecond early: re-arm until really still for stillMs
        if (left <= 0) finish(null);
        else still = setTimeout(arm, Math.ceil(left));
      };
      const onChange = (c: ScreenChange) => {
        if (area && !c.rects.some((r) => intersects(r, area))) return;
        changes++;
        last = c.at;
        arm();
      };
      const onClose = (reason: string) => finish(new Error(`connection closed while waiting for a still screen: ${reason}`));
      const deadline = setTimeout(() => {
        finish(new Error(`screen did not stay still for ${stillMs} ms within ${timeoutMs} ms (${changes} changes, the last ${Math.round(performance.now() - last)} ms ago)`));
      }, timeoutMs);
      this.on('change', onChange);
      this.on('close', onClose);
      arm();
    });
  }

  /**
   * Run action (if any) and resolve with the first change (in area, if given) that arrives from the
   * moment action starts; reject after timeoutMs (default 10 s).
   */
  async waitChange(action?: (() => unknown) | null, opts: { timeoutMs?: number; area?: Rect } = {}): Promise<ScreenChange> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const area = opts.area;
    let onChange!: (c: ScreenChange) => void;
    let onClose!: (reason: string) => void;
    let timer!: NodeJS.Timeout;
    const changed = new Promise<ScreenChange>((resolve, reject) => {
      onChange = (c) => {
        if (!area || c.rects.some((r) => intersects(r, area))) resolve(c);
      };
      onClose = (reason) => reject(new Error(`connection closed while waiting for a change: ${reason}`));
      timer = setTimeout(() => reject(new Error(`screen did not change within ${timeoutMs} ms`)), timeoutMs);
      this.on('change', onChange);
      this.on('close', onClose);
    });
    changed.catch(() => {}); // handled below; may reject while action still runs
    try {
      if (action) await action();
      return await changed;
    } finally {
      clearTimeout(timer);
      this.off('change', onChange);
      this.off('close', onClose);
    }
  }

  /**
   * Type text as key presses (Shift around characters that need it on a US keyboard), paced so that
   * a server which hands keys straight to a small keyboard buffer (QEMU's PS/2 queue holds 16 bytes)
   * keeps up: TYPE_BURST characters, then TYPE_GAP_MS without keys. `delayMs`: after every character
   * instead.
   */
  async typeText(text: string, opts: { delayMs?: number } = {}): Promise<void> {
    let n = 0;
    for (const ch of text) {
      for (const [down, sym] of charKeyEvents(ch)) this.client.keyEvent(down, sym);
      const pause = opts.delayMs ?? (++n % TYPE_BURST === 0 ? TYPE_GAP_MS : 0);
      if (pause) await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** Press a key or combination ('ret', 'ctrl-alt-delete', 'shift-tab'), releasing in reverse order. */
  sendKey(combo: string): void {
    const syms = parseKeyCombo(combo);
    for (const s of syms) this.client.keyEvent(true, s);
    for (const s of [...syms].reverse()) this.client.keyEvent(false, s);
  }

  mouseMove(x: number, y: number): void {
    this.#x = clamp(x, this.width);
    this.#y = clamp(y, this.height);
    this.client.pointerEvent(this.#buttons, this.#x, this.#y);
  }

  mouseDown(button: MouseButton = 'left'): void {
    this.#buttons |= BUTTON_MASK[button];
    this.client.pointerEvent(this.#buttons, this.#x, this.#y);
  }

  mouseUp(button: MouseButton = 'left'): void {
    this.#buttons &= ~BUTTON_MASK[button];
    this.client.pointerEvent(this.#buttons, this.#x, this.#y);
  }

  /** Click at x,y (or where the pointer is). */
  click(x?: number, y?: number, opts: { button?: MouseButton; double?: boolean } = {}): void {
    if (x !== undefined && y !== undefined) this.mouseMove(x, y);
    for (let i = 0; i < (opts.double ? 2 : 1); i++) {
      this.mouseDown(opts.button);
      this.mouseUp(opts.button);
    }
  }

  /** Press at from, move in steps to to, release there. */
  drag(from: { x: number; y: number }, to: { x: number; y: number }, opts: { button?: MouseButton; steps?: number } = {}): void {
    const steps = Math.max(1, opts.steps ?? 8);
    this.mouseMove(from.x, from.y);
    this.mouseDown(opts.button);
    for (let i = 1; i <= steps; i++) {
      this.mouseMove(Math.round(from.x + ((to.x - from.x) * i) / steps), Math.round(from.y + ((to.y - from.y) * i) / steps));
    }
    this.mouseUp(opts.button);
  }

  /** Close once everything sent (keys, pointer) has left; resolves when the connection is closed. */
  close(): Promise<void> {
    return this.client.end();
  }
}

function clamp(v: number, size: number): number {
  return Math.max(0, Math.min(Math.max(0, size - 1), Math.round(v)));
}

/** First-fit matching: the first needle that passes; no exact report for failures. */
function firstMatch(img: RgbaImage, list: Needle[]): { match: NeedleMatch | null; best: NeedleMatch | null } {
  return { match: quickMatch(img, list), best: null };
}

function quickMatch(img: RgbaImage, list: Needle[]): NeedleMatch | null {
  for (const n of list) {
    const m = matchNeedle(img, n, 'first');
    if (m.ok) return m;
  }
  return null;
}
