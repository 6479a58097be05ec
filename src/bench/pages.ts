// `vramvnc bench pages`: what each dirty-VRAM backend reports against what really changed. The device
// model queries one tracker (the primary); at each of its queries every other backend watching the same
// VRAM is asked for the same range, and the pages whose bytes differ from the last query are counted
// (the byte diff: the truth a backend must never fall short of). Hardware bits and the emulated log
// report pages stored to (a same-value store counts); v86's bitmap may report more.
// With a span (e.g. all of VRAM), every backend is asked for the span instead and the device gets its own
// range cut out of the primary's answer (ENODATA whenever its range moved, as Xen answers a new range):
// then a page flip, which moves the device's range, still shows what each backend saw written.
import { RfbClient } from '../../client/headless/rfb-client.js';
import { DEFAULT_APP_OPTIONS, VramVnc } from '../app.js';
import { EmulatedDirtyTracker, type DirtyVramTracker, type TrackResult } from '../hypervisor/dirty-log.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../hypervisor/memory.js';
import { resolveGuest } from '../guest/programs.js';
import { median, table } from './stats.js';

export interface PagesRow {
  backend: string;
  queries: number;
  /** answers with a bitmap */
  ok: number;
  /** ENODATA answers (new range, or a re-arm that lost history): the whole range repainted */
  enodata: number;
  pagesReported: number;
  /** pages whose bytes changed since the previous query, summed over the queries answered with a bitmap */
  pagesChanged: number;
  /** changed pages a bitmap answer left out (must be 0) */
  missed: number;
  /** reported pages per query that found changes: median and max */
  perQueryMedian: number;
  perQueryMax: number;
  /** changed pages (byte diff) per query that found changes: median and max */
  changedMedian: number;
  changedMax: number;
}

interface Watch {
  name: string;
  tracker: DirtyVramTracker;
  row: PagesRow;
  perQuery: number[];
  changedPerQuery: number[];
}

function countBits(b: Uint32Array): number {
  let n = 0;
  for (let v of b) {
    while (v) {
      v &= v - 1;
      n++;
    }
  }
  return n;
}

/** The pages [from, from + nr) of a bitmap, as a bitmap of their own. */
function sliceBitmap(b: Uint32Array, from: number, nr: number): { bitmap: Uint32Array; count: number } {
  const out = new Uint32Array((nr + 31) >>> 5);
  let count = 0;
  for (let i = 0; i < nr; i++) {
    const p = from + i;
    if (b[p >>> 5]! & (1 << (p & 31))) {
      out[i >>> 5]! |= 1 << (i & 31);
      count++;
    }
  }
  return { bitmap: out, count };
}

/**
 * Wrap the primary tracker's queries: each one also asks `others` and diffs VRAM against a copy kept
 * at the previous query. With `span`, every backend is asked for the span and the device gets its range
 * cut out of the primary's answer. Returns the rows (updated live) and a function that restores the primary.
 */
export function comparePages(
  primary: { name: string; tracker: DirtyVramTracker },
  others: { name: string; tracker: DirtyVramTracker }[],
  vram: () => Uint8Array,
  span?: { firstPfn: number; nr: number },
): { rows: PagesRow[]; restore: () => void } {
  const watches: Watch[] = [primary, ...others].map((w) => ({
    ...w,
    perQuery: [],
    changedPerQuery: [],
    row: { backend: w.name, queries: 0, ok: 0, enodata: 0, pagesReported: 0, pagesChanged: 0, missed: 0, perQueryMedian: 0, perQueryMax: 0, changedMedian: 0, changedMax: 0 },
  }));
  const t = primary.tracker;
  const original = t.trackDirtyVram;
  let shadow = new Uint8Array(0);
  let first = -1;
  let nr = 0;
  let device = { first: -1, nr: 0 };
  t.trackDirtyVram = (firstPfn: number, count: number): TrackResult => {
    if (!span || count === 0) return compare(firstPfn, count);
    const moved = firstPfn !== device.first || count !== device.nr;
    device = { first: firstPfn, nr: count };
    const inside = firstPfn >= span.firstPfn && firstPfn + count <= span.firstPfn + span.nr;
    const r = compare(span.firstPfn, span.nr);
    if (!inside) return { kind: 'einval' };
    if (r.kind !== 'ok' || moved) return r.kind === 'einval' ? r : { kind: 'enodata' };
    return { kind: 'ok', ...sliceBitmap(r.bitmap, firstPfn - span.firstPfn, count) };
  };
  const compare = (firstPfn: number, count: number): TrackResult => {
    const answers = watches.map((w, i) => (i === 0 ? original.call(t, firstPfn, count) : w.tracker.trackDirtyVram(firstPfn, count)));
    if (count === 0) {
      first = -1;
      device = { first: -1, nr: 0 };
      return answers[0]!;
    }
    const v = vram();
    const lo = firstPfn << PAGE_SHIFT;
    const hi = (firstPfn + count) << PAGE_SHIFT;
    const changed = new Set<number>();
    if (first === firstPfn && nr === count) {
      const now = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      const old = Buffer.from(shadow.buffer, shadow.byteOffset, shadow.byteLength);
      for (let p = 0; p < count; p++) {
        const a = lo + p * PAGE_SIZE;
        const s = p * PAGE_SIZE;
        if (now.compare(old, s, s + PAGE_SIZE, a, a + PAGE_SIZE) !== 0) changed.add(p);
      }
    }
    watches.forEach((w, i) => {
      const r = answers[i]!;
      w.row.queries++;
      if (r.kind === 'enodata') w.row.enodata++;
      if (r.kind !== 'ok' || first !== firstPfn || nr !== count) return;
      w.row.ok++;
      const n = countBits(r.bitmap);
      w.row.pagesReported += n;
      w.row.pagesChanged += changed.size;
      for (const p of changed) if (!(r.bitmap[p >>> 5]! & (1 << (p & 31)))) w.row.missed++;
      if (n > 0) {
        w.perQuery.push(n);
        w.row.perQueryMedian = median(w.perQuery);
        w.row.perQueryMax = Math.max(w.row.perQueryMax, n);
      }
      if (changed.size > 0) {
        w.changedPerQuery.push(changed.size);
        w.row.changedMedian = median(w.changedPerQuery);
        w.row.changedMax = Math.max(w.row.changedMax, changed.size);
      }
    });
    if (shadow.length !== hi - lo) shadow = new Uint8Array(hi - lo);
    shadow.set(v.subarray(lo, hi));
    first = firstPfn;
    nr = count;
    return answers[0]!;
  };
  return { rows: watches.map((w) => w.row), restore: () => (t.trackDirtyVram = original) };
}

export interface PagesOptions {
  guest: string;
  seconds: number;
  log: (line: string) => void;
}

/** The scripted machine with --tracking hw (the device's tracker) and the emulated log beside it. */
export async function benchPages(o: PagesOptions): Promise<{ rows: PagesRow[]; primary: string }> {
  const app = new VramVnc({ ...DEFAULT_APP_OPTIONS, guest: resolveGuest(o.guest), tracking: 'hw', vnc: { host: '127.0.0.1', port: 0 }, web: null, log: () => {}, notice: o.log });
  const isHw = app.tracker.mode === 'hw';
  const primary = isHw ? 'hw (userfaultfd)' : `${app.tracker.mode} (hw unavailable)`;
  // the emulated log beside it (where hw fell back, the device's tracker is the emulated log already)
  const others = isHw ? [{ name: 'dirty-nodrop (emulated log)', tracker: new EmulatedDirtyTracker(app.mem, { idleDropMs: null }) }] : [];
  const cmp = comparePages({ name: primary, tracker: app.tracker }, others, () => app.mem.vram);
  await app.start();
  try {
    const c = await RfbClient.connect(app.vncUrl!);
    await c.waitFirstFrame();
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    c.close();
  } finally {
    cmp.restore();
    await app.stop();
  }
  return { rows: cmp.rows, primary };
}

export function formatPagesTable(rows: PagesRow[], title: string): string {
  return [
    title,
    '',
    table(
      ['backend', 'queries', 'bitmaps', 'ENODATA', 'pages reported', 'pages changed (byte diff)', 'missed', 'reported/query median', 'max', 'changed/query median', 'max'],
      rows.map((r) => [r.backend, String(r.queries), String(r.ok), String(r.enodata), String(r.pagesReported), String(r.pagesChanged), String(r.missed), String(r.perQueryMedian), String(r.perQueryMax), String(r.changedMedian), String(r.changedMax)]),
    ),
  ].join('\n');
}
