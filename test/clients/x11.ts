// Helpers for driving real VNC viewers: a private Xvfb display, xwd screenshots parsed to RGBA,
// and finding the remote framebuffer inside a viewer's window.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Rgba } from '../helpers/app.js';

/** Parse an XWD (X Window Dump, version 7, ZPixmap, 24/32 bpp TrueColor) into RGBA. */
export function parseXwd(buf: Buffer): Rgba {
  const u32 = (i: number) => buf.readUInt32BE(i * 4);
  const headerSize = u32(0);
  if (u32(1) !== 7) throw new Error(`XWD version ${u32(1)}, expected 7`);
  if (u32(2) !== 2) throw new Error('XWD is not ZPixmap');
  const width = u32(4);
  const height = u32(5);
  const byteOrder = u32(7); // 0 = LSBFirst
  const bitsPerPixel = u32(11);
  const bytesPerLine = u32(12);
  const [rm, gm, bm] = [u32(14), u32(15), u32(16)];
  const ncolors = u32(19);
  if (bitsPerPixel !== 32) throw new Error(`XWD at ${bitsPerPixel} bpp; expected 32`);
  const shift = (m: number) => 31 - Math.clz32(m & -m);
  const [rs, gs, bs] = [shift(rm), shift(gm), shift(bm)];
  const data = headerSize + ncolors * 12;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = data + y * bytesPerLine + x * 4;
      const p = byteOrder === 0 ? buf.readUInt32LE(o) : buf.readUInt32BE(o);
      const i = (y * width + x) * 4;
      out[i] = (p >>> rs) & 255;
      out[i + 1] = (p >>> gs) & 255;
      out[i + 2] = (p >>> bs) & 255;
      out[i + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/** Where `inner` appears exactly inside `outer` (its top-left), or null. */
export function findInside(outer: Rgba, inner: Rgba): { x: number; y: number } | null {
  const row0 = (ox: number, oy: number, y: number) => {
    const a = outer.data;
    const b = inner.data;
    const ao = ((oy + y) * outer.width + ox) * 4;
    const bo = y * inner.width * 4;
    for (let i = 0; i < inner.width * 4; i++) if ((i & 3) !== 3 && a[ao + i] !== b[bo + i]) return false;
    return true;
  };
  for (let oy = 0; oy + inner.height <= outer.height; oy++)
    for (let ox = 0; ox + inner.width <= outer.width; ox++) {
      if (!row0(ox, oy, 0)) continue;
      let all = true;
      for (let y = 1; y < inner.height && all; y++) all = row0(ox, oy, y);
      if (all) return { x: ox, y: oy };
    }
  return null;
}

/** Count differing pixels between inner and the same-size area of outer at (x, y). */
export function diffAt(outer: Rgba, inner: Rgba, x: number, y: number): number {
  let n = 0;
  for (let yy = 0; yy < inner.height; yy++)
    for (let xx = 0; xx < inner.width; xx++) {
      const a = ((y + yy) * outer.width + x + xx) * 4;
      const b = (yy * inner.width + xx) * 4;
      if (outer.data[a] !== inner.data[b] || outer.data[a + 1] !== inner.data[b + 1] || outer.data[a + 2] !== inner.data[b + 2]) n++;
    }
  return n;
}

/** Run a child process, resolve with its exit code and output. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/** A private Xvfb server on a free display number. */
export class Xvfb {
  proc: ChildProcess | null = null;
  display = '';

  async start(width = 1280, height = 1024): Promise<void> {
    // -displayfd: Xvfb picks a free display and tells us its number
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xvfb-'));
    const p = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-auth', path.join(dir, 'auth')], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    this.proc = p;
    this.display = await new Promise<string>((resolve, reject) => {
      let got = '';
      const t = setTimeout(() => reject(new Error('Xvfb did not start within 10 s')), 10_000);
      (p.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('\n')) {
          clearTimeout(t);
          resolve(`:${got.trim()}`);
        }
      });
      p.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    });
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DISPLAY: this.display };
  }

  /** The whole screen as RGBA. */
  async screenshot(): Promise<Rgba> {
    const file = path.join(os.tmpdir(), `xwd-${process.pid}-${Date.now()}.xwd`);
    const r = await run('sh', ['-c', `xwd -root -silent > '${file}'`], this.env);
    if (r.code !== 0) throw new Error(`xwd failed: ${r.out}`);
    const img = parseXwd(fs.readFileSync(file));
    fs.rmSync(file, { force: true });
    return img;
  }

  stop(): void {
    this.proc?.kill('SIGTERM');
    this.proc = null;
  }
}

/**
 * The offset (within maxOffset) where inner best matches outer, by the mean absolute error over a
 * sample of pixels; for lossy pictures (JPEG), where findInside cannot match exactly.
 */
export function bestOffset(outer: Rgba, inner: Rgba, maxOffset = 64): { x: number; y: number; meanError: number } {
  let best = { x: 0, y: 0, meanError: Infinity };
  for (let oy = 0; oy <= Math.min(maxOffset, outer.height - inner.height); oy++)
    for (let ox = 0; ox <= Math.min(maxOffset, outer.width - inner.width); ox++) {
      let sum = 0;
      let n = 0;
      for (let y = 0; y < inner.height; y += 13)
        for (let x = 0; x < inner.width; x += 11) {
          const a = ((oy + y) * outer.width + ox + x) * 4;
          const b = (y * inner.width + x) * 4;
          for (let c = 0; c < 3; c++) sum += Math.abs(outer.data[a + c]! - inner.data[b + c]!);
          n += 3;
        }
      if (sum / n < best.meanError) best = { x: ox, y: oy, meanError: sum / n };
    }
  return best;
}

/** Per-channel error statistics of inner against outer at (x, y): mean, and the share above `far`. */
export function errorStats(outer: Rgba, inner: Rgba, x: number, y: number, far = 24): { mean: number; farShare: number } {
  let sum = 0;
  let farN = 0;
  let n = 0;
  for (let yy = 0; yy < inner.height; yy++)
    for (let xx = 0; xx < inner.width; xx++) {
      const a = ((y + yy) * outer.width + x + xx) * 4;
      const b = (yy * inner.width + xx) * 4;
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(outer.data[a + c]! - inner.data[b + c]!);
        sum += d;
        if (d > far) farN++;
        n++;
      }
    }
  return { mean: sum / n, farShare: farN / n };
}
