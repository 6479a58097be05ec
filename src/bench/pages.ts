// `vramvnc bench pages`: what each dirty-VRAM backend reports against what really changed. The device
// model queries one tracker (the primary); at each of its queries every other backend watching the same
// VRAM is asked for the same range, and the pages whose bytes differ from the last query are counted
// (the byte diff: the truth a backend must never fall short of). Hardware bits and the emulated log
// report pages stored to (a same-value store counts); v86's bitmap may report more.
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
}

interface Watch {
  name: string;
  tracker: DirtyVramTracker;
  row: PagesRow;
  perQuery: number[];
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

/**
 * Wrap the primary tracker's queries: each one also asks `others` and diffs VRAM against a copy kept
 * at the previous query. Returns the rows (updated live) and a function that restores the primary.
 */
export function comparePages(primary: { name: string; tracker: DirtyVramTracker }, others: { name: string; tracker: DirtyVramTracker }[], vram: () => Uint8Array): { rows: PagesRow[]; restore: () => void } {
  const watches: Watch[] = [primary, ...others].map((w) => ({
    ...w,
    perQuery: [],
    row: { backend: w.name, queries: 0, ok: 0, enodata: 0, pagesReported: 0, pagesChanged: 0, missed: 0, perQueryMedian: 0, perQueryMax: 0 },
  }));
  const t = primary.tracker;
  const original = t.trackDirtyVram;
  let shadow = new Uint8Array(0);
  let first = -1;
  let nr = 0;
  t.trackDirtyVram = (firstPfn: number, count: number): TrackResult => {
    const answers = watches.map((w, i) => (i === 0 ? original.call(t, firstPfn, count) : w.tracker.trackDirtyVram(firstPfn, count)));
    if (count === 0) {
      first = -1;
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
    table(
      ['backend', 'queries', 'bitmaps', 'ENODATA', 'pages reported', 'pages changed (byte diff)', 'missed', 'reported/query median', 'max'],
      rows.map((r) => [r.backend, String(r.queries), String(r.ok), String(r.enodata), String(r.pagesReported), String(r.pagesChanged), String(r.missed), String(r.perQueryMedian), String(r.perQueryMax)]),
    ),
  ].join('\n');
}
