// `vramvnc bench pages --machine v86`: what the hardware bits and v86's own bitmap report over real guests'
// full-screen redraws, against the byte diff of VRAM (comparePages). The machine runs --tracking hw (the
// device's tracker); v86's bitmap is asked beside it at each of the device's queries. Two views of the same
// redraws:
// - the device's range: what the device model gets. A page flip (GRUB double-buffers: each highlight move
//   draws the other buffer and moves the display start) moves the range: ENODATA from every backend.
// - all of VRAM: every backend is asked for the whole of it at each query, so a flip shows the pages each
//   one saw written (the device still gets its own range, cut out of the hardware bits' answer).
import { connect, type Screen } from '../../client/screen/session.js';
import { DEFAULT_APP_OPTIONS, VramVnc } from '../app.js';
import { createV86Machine, type V86Machine } from '../machine/v86/machine.js';
import { V86DirtyTracker, v86DirtyLog } from '../machine/v86/tracker.js';
import { images as guestImages } from './v86.js';
import { comparePages, formatPagesTable, type PagesRow } from './pages.js';

export interface PagesV86Options {
  guests: string;
  /** grub (highlight moves: page flips), linux (fbcon: a screenful of output, then clear) */
  cases: string[];
  /** redraws per case and view (GRUB: a multiple of 4 comes back to the first entry) */
  rounds: number;
  log: (line: string) => void;
}

export interface PagesV86Result {
  guest: 'grub' | 'linux';
  /** what the guest did */
  redraw: string;
  view: 'range' | 'vram';
  /** the device's tracker as it ran (hw, or v86's log where the addon cannot run) */
  primary: string;
  rows: PagesRow[];
}

const REDRAW = { grub: 'Down, Down, Up, Up (GRUB redraws the other buffer and flips)', linux: "'seq 1 60' (fbcon scrolls), 'clear'" } as const;

async function redraw(guest: 'grub' | 'linux', screen: Screen, round: number): Promise<void> {
  // GRUB: Down, Down, Up, Up (three entries): the back buffer holds the frame of two flips ago, changed or not
  const steps = guest === 'grub' ? [() => screen.sendKey(round % 4 < 2 ? 'down' : 'up')] : [() => screen.typeText('seq 1 60\n'), () => screen.typeText('clear\n')];
  for (const step of steps) {
    await screen.waitChange(step, { timeoutMs: 30_000 });
    await screen.waitStill({ stillMs: 1000, timeoutMs: 60_000 });
  }
}

export async function benchPagesV86(o: PagesV86Options): Promise<PagesV86Result[]> {
  const img = guestImages(o.guests);
  const out: PagesV86Result[] = [];
  for (const guest of (['grub', 'linux'] as const).filter((g) => o.cases.includes(g))) {
    const common = { tracking: 'hw' as const, idleDropMs: DEFAULT_APP_OPTIONS.idleDropMs, vramMb: 16, log: () => {}, notice: o.log };
    const machine = (await createV86Machine({ ...common, ...(guest === 'grub' ? { cdrom: img.iso } : { kernel: img.kernel, initrd: img.initrd, append: 'console=tty1' }) })) as V86Machine;
    const app = new VramVnc({ ...DEFAULT_APP_OPTIONS, ...common, machine, vnc: { host: '127.0.0.1', port: 0 }, web: null });
    await app.start();
    let screen: Screen | null = null;
    try {
      screen = await connect(app.vncUrl!, { timeoutMs: 60_000 });
      const s = screen;
      await s.client.waitUntil(() => s.width === 1024, 240_000);
      await s.waitStill({ stillMs: 3000, timeoutMs: 240_000 });
      if (guest === 'linux') await redraw(guest, s, 0); // the shell is up
      o.log(`v86 ${guest}: booted; ${o.rounds} redraws per view`);
      const isHw = app.tracker.mode === 'hw';
      const primary = isHw ? 'hw (userfaultfd)' : `${app.tracker.mode} (hw unavailable)`;
      for (const view of ['range', 'vram'] as const) {
        const cpu = machine.core.cpu;
        // v86's bitmap beside the hardware bits (where hw fell back, the device's tracker is v86's log already)
        const beside = isHw
          ? new V86DirtyTracker(v86DirtyLog(cpu), machine.vram.vramSize, { idleDropMs: null })
          : null;
        // our device's own stores reach v86's bitmap only this way (the hardware bits see them anyway)
        if (beside) machine.vram.onDeviceWrite = (off, len) => beside.noteDeviceWrite(off, len);
        const span = view === 'vram' ? { firstPfn: 0, nr: machine.vram.vramSize >>> 12 } : undefined;
        const cmp = comparePages({ name: primary, tracker: app.tracker }, beside ? [{ name: "v86's bitmap", tracker: beside }] : [], () => machine.vram.vram, span);
        try {
          for (let i = 0; i < o.rounds; i++) await redraw(guest, s, i);
        } finally {
          cmp.restore();
          if (beside) machine.vram.onDeviceWrite = null;
        }
        out.push({ guest, redraw: REDRAW[guest], view, primary, rows: cmp.rows });
        o.log(`v86 ${guest} (${view}): ${cmp.rows.map((r) => `${r.backend} ${r.pagesReported} reported, ${r.pagesChanged} changed, ${r.missed} missed`).join('; ')}`);
      }
    } finally {
      await screen?.close();
      await app.stop();
    }
  }
  return out;
}

export function formatPagesV86(results: PagesV86Result[]): string {
  return results
    .map((r) => formatPagesTable(r.rows, `v86 ${r.guest}: ${r.redraw}; ${r.view === 'range' ? "asked for the device's range" : 'every backend asked for all of VRAM'}; the device queries ${r.primary}`))
    .join('\n\n');
}
