// Writes BENCHMARKS.md from bench-results/*.json (produced by scripts/run-benchmarks.sh).
import fs from 'node:fs';
import os from 'node:os';
import { describeMachine } from '../dist/src/bench/proc.js';
import { median, table as padded } from '../dist/src/bench/stats.js';
import { formatV86Table, runsCell } from '../dist/src/bench/v86.js';
import { formatPagesTable } from '../dist/src/bench/pages.js';
import { formatPagesV86 } from '../dist/src/bench/pages-v86.js';
import { formatV86Idle } from '../dist/src/bench/v86-idle.js';
import { settleSeconds } from '../dist/src/bench/idle.js';

const table = (cols, rows) => padded(cols, rows.map((r) => r.map(String)));

const R = (f) => JSON.parse(fs.readFileSync(`bench-results/${f}`, 'utf8'));
const pct = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const num = (v) => (Number.isFinite(v) ? String(v) : '-');

/** The best peer's bytes and CPU ms of an encode-peers row (every server but ours). */
function bestPeer(r) {
  const others = Object.entries(r.servers).filter(([k]) => k !== 'vramvnc').map(([, p]) => p);
  return { bytes: Math.min(...others.map((p) => p.bytes)), cpuMs: Math.min(...others.map((p) => p.cpuMs)) };
}

/** Our CPU per frame over the fastest peer's, for an encode-peers row. */
function cpuRatio(r) {
  return r.servers.vramvnc.cpuMs / bestPeer(r).cpuMs;
}

/** How many of the six target rows (photo, text, desktop x ZRLE, Tight) take at most 1.5x the fastest peer's CPU. */
function peerRowsWithin(j) {
  const target = j.rows.filter((r) => ['photo', 'text', 'desktop'].includes(r.frame) && ['ZRLE', 'Tight'].includes(r.encoding));
  return target.filter((r) => cpuRatio(r) <= 1.5).length;
}

/** The part of an idle run's window after its settle period (s). */
function steadySeconds(j) {
  return j.options.seconds - settleSeconds(j.options);
}

/** µs of server CPU per update of a row of an idle run (steady: over its window after the settle period). */
/** The row of a bench idle JSON whose mode starts with `mode`. */
function resultOf(j, mode) {
  return j.results.find((x) => x.mode.startsWith(mode));
}

function usPerUpdate(j, mode, steady = false) {
  const r = resultOf(j, mode);
  if (!r) return '-';
  const span = steady ? r.seconds - settleSeconds(j.options) : r.seconds;
  const cpuUs = ((steady ? r.steadyCpuPercent : r.cpuPercent) / 100) * span * 1e6;
  return Math.round(cpuUs / Math.max(1, (r.updates * span) / r.seconds)); // updates come at a steady rate
}

/** Mean bytes of a mode's updates. */
function bytesPerUpdate(j, mode) {
  const r = resultOf(j, mode);
  return r && r.updates > 0 ? Math.round(r.bytesSent / r.updates) : '-';
}

/** "Measured on ...": for a bench JSON from another machine than bench-results/machine.txt's. */
function measuredOn(j) {
  return j.machine && j.machine !== benchMachine ? `Measured on ${j.machine} (the other sections: ${benchMachine}).\n\n` : '';
}

/** The command line that produced a bench idle JSON (from its options). */
function idleCmd(j) {
  const o = j.options;
  const parts = [`vramvnc bench idle --seconds ${o.seconds}`];
  if (o.guest && o.guest !== 'idle') parts.push(`--guest ${o.guest}`);
  if (o.clients && o.clients !== 1) parts.push(`--clients ${o.clients}`);
  parts.push(`--modes ${o.modes.join(',')}`);
  if (o.launches && o.launches.join(',') !== 'node') parts.push(`--launch ${o.launches.join(',')}`);
  if (o.peers?.length) parts.push(`--peers ${o.peers.join(',')}`);
  if (o.repeat > 1) parts.push(`--repeat ${o.repeat}`);
  return parts.join(' ');
}

function idleTable(j) {
  const scan = j.results.find((r) => r.mode === 'scan');
  const secs = j.options.seconds;
  const settle = settleSeconds(j.options);
  const runs = j.results.some((r) => r.cpuRuns);
  return table(
    ['server', `CPU % (${secs} s from first frame${runs ? ', median run' : ''})`, ...(runs ? ['every run'] : []), 'vs scan', `steady CPU % (last ${secs - settle} s)`, 'wake-ups/s (refresher)', 'context switches/s', 'queries', 'pages walked', 'drops', 're-arms', 'bytes compared', 'updates', 'bytes sent'],
    j.results.map((r) => [
      r.mode.startsWith('qemu') ? `QEMU 7.2 ${r.mode.slice(5)}` : r.mode === 'node-floor' ? 'node-floor (bare node)' : `vramvnc ${r.mode}${r.mode.includes('/') ? '' : ' (poll)'}`,
      pct(r.cpuPercent, 4),
      ...(runs ? [(r.cpuRuns ?? [r.cpuPercent]).map((v) => pct(v, 3)).join(', ')] : []),
      scan && r !== scan ? `1/${Math.round(scan.cpuPercent / Math.max(r.cpuPercent, 1e-9))}` : scan === r ? '1' : '-',
      pct(r.steadyCpuPercent, 4),
      pct(r.wakeupsPerSecond, 2),
      pct(r.contextSwitchesPerSecond, 2),
      num(r.queries), num(r.pagesWalked), num(r.drops), num(r.rearms), num(r.bytesCompared), num(r.updates), num(r.bytesSent),
    ]),
  );
}

const idle = R('idle.json');
const bios = R('idle-bios.json');
const desktop = R('idle-desktop.json');
const idle100 = R('idle-100.json');
const lat = R('latency.json');
const thr = [...R('throughput.json'), ...R('throughput-lossless.json')];
const guest = R('guest.json');
const slow = R('slow-client.json');
const encode = fs.readFileSync('bench-results/encode.txt', 'utf8').trim();
const v86 = fs.existsSync('bench-results/v86.json') ? R('v86.json') : null;

const hwFile = (f) => (fs.existsSync(`bench-results/${f}`) ? R(f) : null);
const hw = { idle: hwFile('hw-idle.json'), desktop: hwFile('hw-idle-desktop.json'), lat: hwFile('hw-latency.json'), guest: hwFile('hw-guest.json'), random: hwFile('hw-pages-random.json'), desk: hwFile('hw-pages-desktop.json'), v86: hwFile('hw-v86.json'), v86idle: hwFile('hw-v86-idle.json'), pagesV86: hwFile('hw-pages-v86.json') };

/** bench pages' table without its title line. */
const pagesTable = (rows) => formatPagesTable(rows, '').replace(/^\n+/, '');

/** One sentence on the side-by-side idle rows: each one's median and the range of its windows. */
function idleSpread(j) {
  return j.rows.map((r) => `${r.server}: median ${median(r.cpuPct).toFixed(2)} %, windows ${Math.min(...r.cpuPct).toFixed(2)}-${Math.max(...r.cpuPct).toFixed(2)} %`).join('; ');
}

function hwSection() {
  if (!hw.idle || !hw.lat) return '';
  const v86rows = hw.v86 ? hw.v86.rows : [];
  return `## 8. Hardware dirty bits: \`--tracking hw\` (userfaultfd write-protect + PAGEMAP_SCAN)

Linux ${benchKernel}: the kernel's page tables as the dirty log (README, "Hardware dirty bits"), beside the emulated
log (\`dirty\`) on the scripted machine, and beside v86's own dirty log on \`--machine v86\`. The machine was shared
while these ran (the scripted machine's idle and latency rows under load average 12-24 on 2 cores; each v86 table
says its load): CPU and latency figures are noisy; counts are exact.

**Idle**: \`vramvnc bench idle --seconds ${hw.idle.options.seconds} --modes ${hw.idle.options.modes.join(',')} --repeat ${hw.idle.options.repeat}\` (guest \`idle\`, one viewer):

${idleTable(hw.idle)}

Dropped, the hardware backend runs nothing: no query, no refresher wake-up (the fault is the doorbell); the
whole process, the addon's handler thread included, switches context 0.08 times a second.
${hw.desktop ? `
\`vramvnc bench idle --seconds ${hw.desktop.options.seconds} --guest desktop --modes ${hw.desktop.options.modes.join(',')}\` (a clock redrawn each second: tracking never drops):

${idleTable(hw.desktop)}
` : ''}
**Latency**: \`vramvnc bench latency --samples ${hw.lat.length ? 200 : 0} --modes dirty,hw,dirty/event,hw/event\` (from dropped: the store faults; the
addon's thread re-arms, releases it and wakes the event loop; the first query reports that store exactly):

${table(['mode', 'change', 'from', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], hw.lat.map((r) => [r.mode, r.change, r.from, r.n, r.p50.toFixed(2), r.p95.toFixed(2), r.p99.toFixed(2), r.max.toFixed(2)]))}
${hw.guest ? `
**The guest's side**: \`vramvnc bench guest\` rows for the hardware backend (real MMU faults: armed, the kernel resolves the
first store to each page itself; from dropped, one synchronous fault re-arms and the rest of the redraw runs unprotected):

${table(['pattern', 'case', 'median ms', 'x plain', 'faults'], hw.guest.filter((r) => r.case.startsWith('hw:') || r.case.startsWith('plain')).map((r) => [r.pattern, r.case, r.medianMs.toFixed(2), r.ratioToPlain.toFixed(2), r.faults]))}
` : ''}
**Exactness**: \`vramvnc bench pages --guest random --seconds 10\` and \`--guest desktop\` — at each of the device's queries the
other backend is asked for the same range, and VRAM is diffed byte by byte against a copy from the previous query:
${hw.random ? `
${pagesTable(hw.random.rows)}
` : ''}${hw.desk ? `
${pagesTable(hw.desk.rows)}

The desktop's clock redraw stores pixels that do not change: both backends report pages stored to, more than the
byte diff; the refine step sends only what changed.
` : ''}${v86rows.length ? `
**v86** (\`vramvnc bench v86 --trackings dirty,hw --peers none --idle-seconds ${hw.v86.options.idleSeconds} --latency-samples ${hw.v86.options.latencySamples}\`): v86's own dirty log against the
hardware bits over v86's WebAssembly memory, a server process each, one after another. Over the idle window:
the refresher's wake-ups, the tracker's queries and re-arms, the harvests of v86's bitmap (the \`dirty\` rows) and
the tracking state; \`load\` is the host's 1-minute load average after the window (other sessions' test runs
shared the two cores: the rows' CPU figures were not taken under the same load; the side-by-side table below
measures both backends in the same windows). One window per row is one sample: in the run recorded here the
hw row's idle window cost 4.8 % with tracking dropped throughout and nothing of the tracker's running (0
queries, 0 wake-ups); the side-by-side runs below never showed such a gap. The scroll is the per-frame cost
of full-screen redraws: fbcon redraws the whole console for each line it scrolls.

${formatV86Table(v86rows)}
` : ''}${hw.v86idle ? `
**v86, the idle prompt side by side** (\`vramvnc bench v86-idle --trackings ${hw.v86idle.options.trackings.join(',')} --settle-seconds ${hw.v86idle.options.settleSeconds} --seconds ${hw.v86idle.options.seconds} --repeat ${hw.v86idle.options.repeat}\`):
a server per backend, both booted to the Linux prompt and measured in the same windows (load from other
processes falls on both alike), one viewer each; then one keystroke each, which re-arms tracking and reaches
the viewer. Dropped, the hardware backend runs nothing of its own (no harvest, no query, no wake-up: the
fault is the doorbell); v86's log is still harvested every 30 ms of guest execution, but a harvest with nothing
dirty costs next to nothing (it reads v86's dirty span), so what is left is v86's idle guest itself. In this
run (the machine quiet): ${idleSpread(hw.v86idle)}. An earlier run of the same command under load 4.2-6.7 gave
0.53 % (v86's log) and 0.67 % (hw), windows 0.49-0.77 and 0.53-0.81; before v86's harvest read its dirty span,
1.50 % and 0.98 %.

${formatV86Idle(hw.v86idle, hw.v86idle.options)}
` : ''}${hw.pagesV86 ? `
**Pages per page flip, v86** (\`vramvnc bench pages --machine v86 --rounds ${hw.pagesV86.options.rounds}\`): the machine runs \`--tracking hw\`; at each of the
device's queries v86's bitmap is asked beside the hardware bits, and VRAM is diffed byte by byte. GRUB
double-buffers: each highlight move draws the other buffer and moves the display start, so the device's range
moves at every flip and both backends answer ENODATA (Xen's contract: a new range has no history; the device
compares the whole frame). Asked for all of VRAM instead (the device still gets its own range cut out of
the hardware bits' answer), both report the pages GRUB wrote per flip, a few dozen of the frame's 768 (its
menu); the byte diff shows fewer changed (Down, Down, Up, Up: the back buffer holds the picture of two flips
ago, sometimes the same one). Linux's fbcon (bochs DRM) draws in one buffer:
\`seq 1 60\` scrolls the console (a full-screen redraw per scroll step), \`clear\` redraws the screen.

${formatPagesV86(hw.pagesV86.results)}

In vramvnc's v86 machine our device owns the Bochs VBE registers, so v86's own VGA never marks all 4,096
pages dirty on a display-start write (its \`complete_redraw\`): both backends report exactly the pages stored
to, none missed, and the same count.
` : ''}`;
}

function v86Section(j) {
  const f = (v, d = 1) => (v === null || v === undefined ? '-' : v.toFixed(d));
  return `## 7. Real guests: the v86 machine beside QEMU TCG

\`vramvnc bench v86 --idle-seconds ${j.options.idleSeconds}${j.options.settleSeconds !== undefined ? ' --settle-seconds ' + j.options.settleSeconds : ''} --latency-samples ${j.options.latencySamples}${(j.options.repeat ?? 1) > 1 ? ' --repeat ' + j.options.repeat : ''}\` — \`serve --machine v86\` (started as
\`node dist/src/cli/main.js serve\`) and \`qemu-system-i386 -accel tcg -vga std\` (QEMU 7.2, its own VNC server) on the
same images from \`npm run guests\` and the same SeaBIOS, each with one viewer (the headless client asking for ZRLE
and CopyRect). Boot = from process start to the last screen change before the screen sat still for 5 s (GRUB's
menu; Linux's shell prompt). Idle = the whole process tree's CPU at the still prompt, after it has sat there for the settle time. Scroll = \`seq 1 2000\` at
the prompt: wall time to the last change, CPU seconds above idle, bytes to the viewer. Key latency = a key press
sent to the first update that shows it.${(j.options.repeat ?? 1) > 1 ? ` Every server ran ${j.options.repeat} times, the rounds one after another; a row is the median run (by idle CPU; GRUB: by boot time), and "every run" lists each run's figure in run order.` : ''}${j.note ? '\n\n' + j.note : ''}

${table(['server', 'guest', 'boot s', 'idle CPU %', 'every run', 'scroll s', 'scroll CPU s', 'scroll bytes', 'key→update p50 ms', 'p90 ms'], j.rows.map((r) => [r.server, r.guest, f(r.bootS), f(r.idleCpuPct, 2), runsCell(r), f(r.scrollS), f(r.scrollCpuS, 2), r.scrollBytes === null ? '-' : r.scrollBytes.toLocaleString('en-US'), f(r.keyLatencyMs), f(r.keyLatencyP90Ms)]))}
`;
}

const has = (f) => fs.existsSync(`bench-results/${f}`);
/** The machine the benchmarks ran on (scripts/run-benchmarks.sh records it), not the one regenerating this file. */
const benchMachine = has('machine.txt') ? fs.readFileSync('bench-results/machine.txt', 'utf8').trim() : describeMachine();
const benchKernel = /Linux (\S+)$/.exec(benchMachine)?.[1] ?? os.release();
const launch = has('idle-launch.json') ? R('idle-launch.json') : null;
const peers = has('encode-peers.json') ? R('encode-peers.json') : null;
/** The encode bench run again (encode-peers-2.json, -3, ...): every run's ratio beside the first's table. */
const peerRuns = peers ? [peers, ...[2, 3, 4, 5, 6, 7, 8, 9].filter((k) => has(`encode-peers-${k}.json`)).map((k) => R(`encode-peers-${k}.json`))] : [];
/** Row i's CPU ratio in every run. */
const runRatios = (i) => peerRuns.map((run) => cpuRatio(run.rows[i]));
/** The median of the runs' ratios; of an even count the mean of the two middle ones (stats.js's median takes the lower, which would favour us). */
function midMedian(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** The side-by-side encode table (bench encode --peers --json): bytes and CPU per frame, ours against the best peer's. */
function peerTable(j) {
  const names = Object.keys(j.rows[0].servers);
  const label = { vramvnc: 'vramvnc', x11vnc: 'x11vnc (LibVNCServer 0.9.14)', xvnc: 'Xvnc (TigerVNC 1.12)' };
  return table(
    ['picture', 'encoding', ...names.map((n) => `${label[n] ?? n} bytes`), ...names.map((n) => `${n} ms`), 'bytes / best peer', 'ms / best peer', ...(peerRuns.length > 1 ? ['ms / best peer, every run'] : [])],
    j.rows.map((r, i) => {
      const v = r.servers.vramvnc;
      const best = bestPeer(r);
      return [
        r.frame,
        r.encoding,
        ...names.map((n) => r.servers[n].bytes.toLocaleString('en')),
        ...names.map((n) => r.servers[n].cpuMs.toFixed(2)),
        (v.bytes / best.bytes).toFixed(2),
        cpuRatio(r).toFixed(2),
        ...(peerRuns.length > 1 ? [runRatios(i).map((x) => x.toFixed(2)).join(', ')] : []),
      ];
    }),
  );
}

const hwText = hwSection();
const md = `# Benchmarks

All figures come from the project's own bench commands, run one after another by
[\`scripts/run-benchmarks.sh\`](scripts/run-benchmarks.sh) (about 32 minutes; raw JSON in \`bench-results/\`,
this file regenerated by \`node scripts/make-benchmarks-md.mjs\`). Server CPU is the server process's CPU time
(all threads, from \`/proc/<pid>/task/*/schedstat\`, nanoseconds) over wall time: 100% = one core. Clients run in
the bench process, on loopback.

**Machine**: ${benchMachine}. A shared virtual machine: wall-clock figures (latency, frames/s) vary by
tens of percent from run to run; CPU-time and byte figures are steadier.

**Refresh modes**: \`poll\` queries the tracker every 30 ms while a viewer waits, as Xen 3.3's device model did;
\`event\` (the default) refreshes when the tracker's doorbell rings (the first dirty page after a query), when a
write faults into dropped tracking, or when a register changes, at most every 4 ms while changes keep coming.

## 1. The Xen 3.3 result, side by side: an idle guest with one viewer

\`vramvnc bench idle --seconds 60 --modes scan,dirty-nodrop,dirty,dirty-nodrop/event,dirty/event --peers qemu-vbe,qemu-text\`
— the \`idle\` guest (a 1024x768x32 VBE picture drawn once), one viewer that always has an incremental request
outstanding; QEMU's stdvga + VNC server measured the same way on a VBE screen (a 512-byte boot sector sets
1024x768x32 through the Bochs ports and halts) and on SeaBIOS' text screen.

${idleTable(idle)}

![Server CPU per mode](docs/bench-idle.svg)

- \`scan\` (pre-3.3: compare all 8 MiB of VRAM with a shadow copy every 30 ms) costs ${pct(idle.results.find((r) => r.mode === 'scan').cpuPercent, 2)}% of a core —
  the "~7%" of the Xen story on this machine.
- \`dirty\` with Xen's 30 ms polling costs ${pct(idle.results.find((r) => r.mode === 'dirty').cpuPercent)}% over the minute: the first two seconds of
  polling, then tracking drops, the refresher stops, and the steady figure is ${pct(idle.results.find((r) => r.mode === 'dirty').steadyCpuPercent, 4)}% with no wake-ups at all.
- With the doorbell (\`dirty/event\`) the refresher never polls: one timer lets the tracker drop after two
  quiet seconds; ${pct(idle.results.find((r) => r.mode === 'dirty/event').cpuPercent, 4)}% over the minute.
- The server is started as plain \`node dist/src/cli/main.js serve\` (no node flags). It needs V8's memory
  reducer off (otherwise V8 runs up to three GC passes of its own some seconds after the last activity, ~30 ms,
  0.05-0.2% of a 60 s window), and that cannot be switched off from inside a running isolate, so \`serve\`
  started without its V8 flags (\`--no-memory-reducer\`, and \`--interrupt-budget=4096\` for the text screen
  below) runs itself again with them (\`src/runtime/v8-flags.ts\`); the bench measures both processes.
${launch ? `
\`${idleCmd(launch)}\` — the same
server started three ways: \`node\` (plain node: it relaunches itself), \`flags\` (node with the flag, as the
bin's shebang and \`npm start\` do), \`bare\` (plain node with the relaunch turned off: what the reducer costs).

${idleTable(launch)}
` : ''}
### Text mode (\`--guest bios\`: a firmware screen with a blinking cursor)

\`${idleCmd(bios)}\`

${measuredOn(bios)}${idleTable(bios)}

The text screen is never polled (tracking is off in text mode; the device compares cells when something
changed): what costs is the cursor blinking at the VGA rate, a toggle every 8 frames at 70 Hz, ~9 updates/s,
against QEMU's ${num(resultOf(bios, 'qemu')?.updates)} updates a minute (its cursor blinks about 4 times slower). A toggle is the cursor's two
scanlines of one cell: a redrawn cell reports only the rows whose pixels changed, so an update is
${bytesPerUpdate(bios, 'dirty/event')} bytes on average (33 with the cursor on, 20 off, a Tight mono rectangle too small for zlib and a fill).
The bench's viewer turns on ContinuousUpdates as TigerVNC does when the server offers them, so it sends no
request per update and the server has no second wake-up to read one (QEMU does not offer them: its viewer asks
for each update). Per update we spend ${usPerUpdate(bios, 'dirty/event')} µs of CPU over the minute (${usPerUpdate(bios, 'dirty/event', true)} µs in its last ${steadySeconds(bios)} s), QEMU ${usPerUpdate(bios, 'qemu-text')} µs.

\`node-floor\` is what any Node.js process pays on this machine for the same rhythm: a bare \`node\` (the
server's V8 flags, nothing loaded) that only sets a timer to each cursor toggle and writes 38 bytes to a
loopback socket: ${usPerUpdate(bios, 'node-floor')} µs a toggle (${usPerUpdate(bios, 'node-floor', true)} µs in the last ${steadySeconds(bios)} s), ${pct(resultOf(bios, 'node-floor')?.cpuPercent)}% of a core over the
minute. A 0.3% target for this screen is at that floor: at the VGA blink rate the wake-up and the write alone
cost it. So of our ${usPerUpdate(bios, 'dirty/event', true)} µs an update in the steady part, ${usPerUpdate(bios, 'node-floor', true)} are the wake-up and the write themselves. The rest is
our JavaScript run cold: the same update path driven in a loop in one process (caches warm, optimized) costs
30-60 µs with its socket write, but once every 114 ms its wall time is 300-450 µs (this VM's vCPUs come back
from sleep with cold caches and TLBs). What it does per toggle: the device looks at the cursor's cell and the
blinking characters only (a list kept by the last full pass, no pass over the 2000 cells), the blink timer's
doorbell refreshes at once (no second hop through the event loop), the one small rectangle is encoded and
written: one \`write\` and two \`epoll_pwait\` per toggle under strace, as for the floor. With V8's default
tier-up budget that path stays in baseline code for minutes (0.58% of a core 20-60 s after start against
0.38% with the flag, one run each); the server's \`--interrupt-budget=4096\` gets it optimized within seconds.
The minute's first ${bios.options.seconds - steadySeconds(bios)} s cost more than the rest because of those compiles: by threads (schedstat, one run
beside the table's), the first 10 s after the first frame took 286 ms, 195 of them on V8's helper threads
(TurboFan compiles), 91 on the main thread; from 20 s on, the main thread took 3.8-4.3 ms a second and the
helpers 1.0-1.4. On a 2 x Intel Xeon machine the day before, \`--trace-opt\` counted about 105 functions
optimized after the first frame, 231 ms of compile time (Tight's textLayers, the update builder, the session's
onUpdate, textLayout, Node's timers), and neither the GC (a scavenge every ~11 s) nor other V8 settings
changed the minute by more than the run-to-run spread (60 s, one run each, whole-window %:
\`--single-threaded\` 0.70, \`--single-threaded-gc\` 0.62, \`--v8-pool-size=1\` 0.72, interrupt budgets 16384
and 67584 0.72 and 0.73, \`--always-sparkplug\` 0.76, against 0.78 with the server's flags).

### Desktop (\`--guest desktop\`: a clock redrawn once a second)

\`${idleCmd(desktop)}\` — ${desktop.options.repeat ?? 1} runs per
mode, interleaved; a row is the median run (by CPU %), and every run's figure is listed: at a few tenths of a
percent, one minute on this shared machine varies by ±20% from run to run.

${measuredOn(desktop)}${idleTable(desktop)}

The clock's update is about its own area: 60 updates of ${bytesPerUpdate(desktop, 'dirty/event')} bytes on average with Tight (the viewer asks for
Tight first). With the doorbell and ContinuousUpdates the server wakes once a second, for the guest's tick,
and otherwise sleeps: under strace, 20 s after the first frame, one \`epoll_pwait\` wake-up and one \`write\`
a second on the main thread. The work per update is bounded by the change: the dirty regions keep the bounds
of their dirty rows, move detection rehashes only rows that changed, and a small update allocates nothing
large. Where the minute goes, by threads (schedstat; four 60 s runs beside the table's, started with the
server's flags; two runs before them gave 193 and 241 ms): 165-178 ms in all, the main thread 80-84 ms of it
(about 1.4 ms a clock tick, the guest's drawing included) and V8's helper threads the rest, TurboFan compiling the update path: at one update a
second its functions cross the tier-up threshold one after another through the first minutes (with
\`--trace-opt\`, 55 functions optimized by 48 s after start, 71 by 85 s; 237 ms of compile time in 90 s, the
session's maybeSendUpdate, the timers' processImmediate, the dirty region's insert, the encoder set's encode,
zlib's #run, Node's async-hook and buffer internals), and one incremental mark-compact at 48 s. A smaller
inlining budget for TurboFan (\`--max-inlined-bytecode-size-cumulative=230 --max-inlined-bytecode-size=115\`,
four alternated pairs) made its compiles no cheaper over the minute: 159-208 ms against 165-178. With the
pixel kernels off (\`VRAMVNC_PIXEL_WASM=0\`, an earlier day: three runs 0.330, 0.328, 0.395%; three
alternated pairs of 40 s steady windows, wasm 0.23-0.31% against TypeScript 0.21-0.31%) the difference is
within the noise.

### 100 viewers on one idle VM

\`${idleCmd(idle100)}\`

${idleTable(idle100)}

## 2. Latency: a guest store to the pixels decoded at the client

\`vramvnc bench latency --samples 200\` — in one process: the server on loopback, a headless client (Raw,
1024x768x32); a small change is an 8x8 fill at a random place, a full change fills the whole screen. "armed" =
stores keep coming so tracking stays on; "dropped" = each store faults into dropped tracking
(\`--idle-drop-ms 50\` for this bench).

${table(['mode', 'change', 'from', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], lat.map((r) => [r.mode, r.change, r.from, r.n, r.p50.toFixed(2), r.p95.toFixed(2), r.p99.toFixed(2), r.max.toFixed(2)]))}

![Latency](docs/bench-latency.svg)

With polling, a change waits for the next 30 ms tick (p50 ≈ 15 ms); from the dropped state the fault wakes the
refresher at once. With the doorbell both are well under a millisecond at the median.

## 3. Throughput: the \`video\` guest

\`vramvnc bench throughput --seconds 5 --clients 1,10,100 --encodings Raw\` and \`... --clients 1,10 --encodings Zlib,ZRLE,Tight\`
— the \`video\` guest changes every pixel of the 1024x768 screen (or of a 640x480 region) every 10 ms (100
frames/s offered). Viewers are counting clients in the bench process: each keeps one incremental request
outstanding, takes LastRect, and skips pixel data instead of decoding it (Tight's length is found from its
control bytes), so that 100 of them fit in one process. The viewers send no QualityLevel, so Tight is lossless.

${table(['guest', 'encoding', 'viewers', 'frames/s per viewer (median)', 'slowest viewer', 'bytes/frame', 'server CPU %', 'server RSS MiB'], thr.map((r) => [r.guest, r.encoding, r.clients, r.fpsPerClient.toFixed(1), r.fpsMin.toFixed(1), r.bytesPerFrame.toFixed(0), r.serverCpuPercent.toFixed(1), r.serverRssMiB.toFixed(0)]))}

Raw fans out: a rectangle is encoded once per pixel format and the bytes are shared by every viewer, so 100
viewers cost the server far less than 100 times one (the frame rate per viewer then falls because the bench
process must read 100 × 3 MiB per frame on the same two cores). Zlib, ZRLE and Tight keep deflate streams per
viewer, as the protocol requires, so their encoding cannot be shared; on this content (smooth 24-bit colour
that changes everywhere every frame) deflate is the bottleneck. A large rectangle is therefore deflated on both
cores, pigz-style: cut into pieces, each deflated with the 32 KiB before it as the preset dictionary and
sync-flushed, the pieces concatenated into the client's one stream (\`--deflate-threads\`, default the cores
less one). A large update also goes out as its rectangles are encoded (LastRect), so that the viewer reads the
first while the next are made. Tight sends half Zlib's bytes here (its gradient filter), at a lower frame rate.

## 4. The guest's side of the trade-off

\`vramvnc bench guest\` — time for the guest to redraw 1024x768x32 with one 32-bit store per pixel or one
\`rep stosd\` per scanline, median of 15. A trap or a fault here is a function call; on hardware each is a VM
exit, so "modelled" adds 5 µs per exit (\`--exit-us\`).

${table(['pattern', 'case', 'median ms', 'ns/pixel', 'x plain', 'faults', 'traps', 'modelled ms'], guest.map((r) => [r.pattern, r.case, r.medianMs.toFixed(2), r.nsPerStore.toFixed(2), r.ratioToPlain.toFixed(2), r.faults, r.traps, r.modelledMs.toFixed(1)]))}

In this emulation dirty logging adds one bit-set per store, which is within the run-to-run noise of these
millisecond timings (runs have put it between −16% and +13% of plain memory). Trapping every store (what the
legacy VGA window does) costs a VM exit per store — seconds per frame on hardware, by the model. Dropped tracking
costs one fault per page on the next redraw (768 here, ~4 ms by the model): that is the price of a zero-cost idle.

## 5. A viewer that stops reading (QEMU's CVE-2017-15124)

\`vramvnc bench slow-client --seconds 60\` — the full-screen \`video\` guest with one live Raw viewer; peak server RSS
over 60 s, then over 60 s more while a second client keeps sending update requests and reads nothing.

${table(['peak RSS, one viewer (MiB)', 'peak RSS with the stuck client (MiB)', 'growth (MiB)', 'one frame (MiB)', 'live viewer frames/s before', 'during', 'stuck client disconnected'], [[slow.rssBeforeMiB.toFixed(1), slow.rssMaxMiB.toFixed(1), slow.growthMiB.toFixed(1), slow.frameMiB.toFixed(0), slow.liveFpsBefore.toFixed(1), slow.liveFpsDuring.toFixed(1), String(slow.stuckDisconnected)]])}

An update is built only once the previous one has left user space, so the stuck client holds at most one frame;
its changes coalesce in its dirty region. With the default \`--stall-timeout-ms 60000\` it would be disconnected
after a minute without taking any data (the bench raises the timeout to watch memory instead).

## 6. Encodings
${peers ? `
### Side by side with the C servers

\`vramvnc bench encode --peers x11vnc,xvnc --iterations ${peers.options.iterations}${peers.options.warmup ? ` --warmup ${peers.options.warmup}` : ''}\` — the same 1024x768 pictures
(\`fixtures/frames/\`: photo, text, desktop, console) served by our server (\`--guest image:\`), by x11vnc
(LibVNCServer) on Xvfb and by Xvnc (TigerVNC), the picture set as the X root window's background by a small X11
client; one client asks each for full frames (non-incremental requests) in turn, lossless, CompressLevel 6,
32 bpp; every server's first frame is checked pixel by pixel against the picture. Bytes are the whole
FramebufferUpdate; ms is the server process's CPU time per frame (all threads, its idle rate taken off: x11vnc
polls the screen), the median of ${peers.options.iterations}${peers.options.warmup ? `, after ${peers.options.warmup} frames from each server that are not counted (a freshly started Node server spends its first frames in V8's optimizing compiler, on its own threads, which the CPU time counts; without them the same bench put our text Tight at 15.6 ms a frame, with 30 frames at 7.6)` : ''}.

${peerTable(peers)}

${peers.machine && peers.machine !== benchMachine ? `Measured on ${peers.machine}${peerRuns.length > 1 ? `, ${peerRuns.length} runs one after another (the table is the first; the last column every run's ratio)` : ''}: not the machine of the other sections, and slower (every server's ms about twice the other's) and noisier.

` : ''}Rows within the target (CPU at most 1.5x the best peer's and bytes at most the best peer's): on bytes all six
the target names (photo, text and desktop, ZRLE and Tight), in every run; on CPU ${peerRuns.map(peerRowsWithin).join(', ')} of the six${peerRuns.length > 1 ? ' in these runs' : ' in this run'}. The CPU ratios
move by up to 0.5 from run to run on this machine (a frame's CPU time spreads by ±15% within one run, and a
run's medians by more between runs, every server's alike: the host's other guests take the vCPU and its caches),
so no row near the line is safely under or over it; the median ratio over the runs is the steadier figure:
${peerRuns.length > 1 ? peers.rows.map((r, i) => `${r.frame} ${r.encoding} ${midMedian(runRatios(i)).toFixed(2)}`).join(', ') : ''}${peerRuns.length % 2 ? "" : ` (of ${peerRuns.length}, the mean of the middle two)`}. Since the
previous runs Tight's per-pixel passes and ZRLE's tile pass run as WebAssembly (\`native/pixel-kernels/\`,
AssemblyScript with 128-bit SIMD, one module built with the package; the same bytes as the TypeScript passes,
which \`VRAMVNC_PIXEL_WASM=0\` keeps and \`npm test\` compares both ways): Tight's gradient filter four pixels a
step (its clamp to 0..255 is the unsigned saturation of a narrowing), its palette pass (count, order of first
appearance, index bytes or mono bits, in one pass), the text layers' column pass (strips of eight columns down
the rows, each column's state in a vector lane, no branch per pixel), and ZRLE's runs, palette, size choice and
forms for 3-byte CPIXELs. In process, one warm frame at CompressLevel 6 with and without them (medians of 200,
runs alternated): photo ZRLE 92-101 ms a frame against 80-109 (its tiles are mostly raw: deflate is the frame), photo Tight 40-52 against 51-70, text ZRLE 6.7-7.3 against 9.5-9.8, text Tight 6.5-6.6 against 8.3-8.4, desktop ZRLE 7.0-7.5 against 10.4-11.5, desktop Tight 7.4-10.1 against 9.9-11.7, console ZRLE 2.0-3.1 against 3.6-5.2, console Tight 4.2-5.0 against 4.7-5.3, the same bytes both ways in every case. The medians of the six runs before them were photo ZRLE 1.27, photo
Tight 1.24, text ZRLE 1.22, text Tight 1.41, desktop ZRLE 1.38, desktop Tight 1.62 (console 1.86 and 1.79),
with 4-6 of the six rows within 1.5x per run; now all six are within in every run. What is left of a frame
is mostly deflate: Node's zlib for Tight's streams (the desktop's 368 KB of palette indexes at level 4 and
1.1 MB of gradient residuals at level 2 are ~4 ms of its ~12), ours for ZRLE's. Our deflate's matching loops
have run as WebAssembly since the runs before (\`native/deflate-match/match.ts\`; \`VRAMVNC_DEFLATE_WASM=0\` keeps
the TypeScript loops, \`npm test\` compares them at every level), and compare a chain candidate 4 bytes at a
time. Measured before choosing: the same greedy match finder written both ways, the same symbols, took
0.52-0.70x the TypeScript's time as wasm on these pictures' ZRLE streams; in the deflater, paired in process at
level 6, photo 0.77-0.84x, text 0.71x, desktop 0.55x, console 0.66x (ZRLE's medians then went from photo 1.53,
text 1.35, desktop 1.41 to the ones above). Earlier, on a machine twice as fast and quieter, desktop Tight measured
1.35-1.57x and photo ZRLE 1.35-1.48x over five runs on two days; on a slower Intel machine the medians of six
runs were photo ZRLE 1.59, text ZRLE 1.53, desktop ZRLE 1.49, desktop Tight 1.46, photo Tight 1.27, text Tight
1.22. Before that, Tight's gradient filter came to write the runs it predicts exactly without predicting each
pixel (the desktop frame's gradient pass from 6.5 to 3.9 ms in process), and our deflate to extend a match 4
bytes a step past its sixth. Photo ZRLE's full frame is
deflated on two threads (the deflate pool): 79.3-79.7 ms of CPU a frame on one thread against 86.7-87.3 on two,
for 135-137 ms against 109-110 from request to decoded frame (\`--deflate-threads 0\` and 1, 30 frames each). ZRLE's bytes came under the peers' by deflating its stream with our own deflate
(below): photo 1,405,131 -> 1,238,170 bytes, desktop 49,237 -> 45,692, text 18,316 -> 18,532, console 6,293 ->
6,324, then at 1.3-1.45x the fastest peer's CPU (with Node's zlib: 1.0-1.2x); desktop ZRLE is the closest on bytes
(0.996 of x11vnc's; 1.38-1.44x its CPU in the runs with these settings, 1.45-1.56x with the ones tried before
them). At CompressLevel 2, which TigerVNC's viewer and noVNC send
by default, our deflate's margin is wider: on the same 12-piece streams photo 1,236,503 bytes against Node's
zlib's 1,427,074, desktop 46,667 against 51,962, text 21,197 against 26,311, console 7,959 against 8,603, in
1.7-1.8x Node's time (photo 66 against 38 ms). Our own console picture (not a target row): bytes within, CPU ZRLE 1.08-1.38x and Tight 1.34-1.61x
x11vnc's 3.6-4.7 ms frame in these runs (1.6-2.6x before the pixel kernels; a good part of ours is reading the
3 MB picture back in from memory, 40 ms after the last frame). In process (\`bench encode\`, below) ZRLE costs more than with Node's zlib (desktop 13.8 -> 23.8 ms, noise
52 -> 97): no CompressLevel there, so level 2, where ours takes 1.7-1.8x Node's time, and each frame is a fresh
encoder's first, the first of three before V8 has compiled our deflate.

Tight on text in several colours: a text line goes as a one-bit layer of its main colour (the one with the
most words; consecutive lines with the same main colour share one layer) and each word in another colour as a
one-bit rectangle drawn over it (the update's rectangles are drawn in order), instead of one palette index byte
per pixel (\`src/rfb/encodings/tight-layers.ts\`): zlib packs an eighth of the data. In process, one warm
frame of the text fixture: 19,690 bytes in ~11 ms before, 15,946 in 5.3 ms with the layers, 16,349 in 4.7 ms
with the few-colour stream at level 5. Palettes of more than 16 colours (the desktop's window over its
gradient) go through a stream of their own two levels lower (level 4 at CompressLevel 6; the desktop's 12 such
rectangles: 26,261 bytes in 2.9 ms against 19,726 in 8.5), and rectangles that the cut found solid, or whose
sample already holds more than 256 colours, skip the colour count: the desktop frame 16.8 -> 10.0 ms warm.

Where our CPU per frame goes (the server profiled with \`node --cpu-prof\` while a client asks for full frames):
the encoder proper, all but ~0.5 ms of it (the dirty region, the socket write); formats match, so no translation; no hashing on this path; one deflate
call per rectangle (Z_SYNC_FLUSH, the native handle driven synchronously: no thread-pool hop; the deflate pool
only for inputs from 256 KiB, photo ZRLE). What made frames cost more in the bench than in process is the
machine: a frame taken 40 ms after the last finds the picture out of the cache, and reading 3 MB of it in short
pieces of rows (64 per ZRLE tile) costs 2.4 ms against 0.9 back to back (1.4 ms read row by row). So ZRLE now
reads a band of tiles row by row across them and finishes each tile from the runs it found (one pixel pass; the
palette, sizes and the RLE and packed forms from the runs), and Tight's solid-area search reads block rows the
same way: in process, console ZRLE after 40 ms asleep 4.69 -> 3.34 ms, text 7.95 -> 6.58; back to back the
tile pass went from 3.6 to 1.5 ms (console), 4.8 to 2.0 (text), 5.0 to 2.6 (desktop), the bytes unchanged.

zlib, measured on each stream's own data from these frames (Node's zlib, one frame; level: bytes, ms):
Tight's gradient data of the photo, 2.36 MB: 1: 1,173,144, 30-41; 2: 1,138,540, 34; 6: 1,090,773, 74; of the
desktop, 1.1 MB: 2: 24,746, 1.05; 6: 14,169, 3.5. So Tight's full-colour and gradient streams take a lower level
than its palette streams (CompressLevel 6: 2, as TigerVNC and LibVNCServer lower their raw level): photo Tight
66.8 -> ~44 ms. The palette streams: up to 16 colours level 5 (text layers, above), more colours level 4
(above); text's index bytes, before the layers, gave 22,498 bytes at 5 against 18,641 at 6. ZRLE stays at 6: level 5 saves 1.4 ms on text but costs the
console 153 bytes, over x11vnc's. memLevel 9, Z_FILTERED and windowBits 12-14 gave nothing better; Z_RLE is fast
but 1.8-3.2x the bytes.

ZRLE's bytes were zlib's, not the tiles': Node's bundled zlib (Chromium's fork) hashes 4 bytes to find
matches, so it misses the 3-byte matches that a repeated CPIXEL makes. The same ZRLE tile stream (the fixture
frames', cut into 12 sync-flushed pieces) deflates at level 6 to photo 1,403,100 and desktop 49,437 bytes with
it, and to 1,259,519 and 46,851 (one piece) with the system zlib the C servers link. Our ZRLE tile choices are
LibVNCServer's (choosing with its estimates instead of our exact sizes gives the same bytes on all four
pictures). So ZRLE's stream is deflated by our own raw deflate (\`src/rfb/wire/deflate.ts\`): zlib's hash
chains, on 4-byte prefixes, beside a table of the last position of each 3-byte prefix for the length-3 matches
(within 4 KiB: zlib's TOO_FAR); greedy after a 16 KiB segment whose matches averaged under 10 bytes (a photo's
pixels: 3-5; the desktop 5-10), one step of lazy evaluation otherwise (the console 10-33, text 15-19; at level 6
chains of at most 48 steps where zlib walks 128: on 4-byte prefixes fewer steps find the long matches); every position inside
a match enters the chains; blocks of at most 4096 symbols, since 3-byte pixels change their statistics from tile
to tile (photo, level 1: 1,232,457 bytes in blocks of 4 Ki symbols, 1,258,705 in 8 Ki, 1,270,156 in 16 Ki);
each block dynamic, fixed or stored, whichever is smallest; each call ends in a sync flush. On the same 12-piece
streams: photo 1,236,545 bytes in ~60-68 ms (Node's zlib 1,403,100 in 43), desktop 46,412 in 3.3 (49,437 in
2.2), text 19,232 in 3.5-3.9 (19,094 in 2.7), console 7,467 in 1.1 (7,456 in 0.74): per byte about what the
system zlib costs (photo 58 ms one-shot). Chains walked less far cost much more on periodic data: at 32 steps,
quartered once a match of 4 was found, a stream of repeating rows packed to 2.7x zlib's bytes (48 steps: 1.23x;
64: 1.03x; 128: zlib's exactly); and a small rectangle costs more than with node:zlib (~15 against 3 µs for
1 KiB, most of it building the block's codes): a few µs an update at VNC's rates. Large ZRLE rectangles still go to the deflate pool, each piece deflated
by ours in the workers. Measured and not taken: fflate 0.8 (level 1: photo 1,250,311 bytes in 60 ms, but desktop
4.3 ms at level 6, and its streaming flush does not end on a byte boundary, so a sync flush would need its
internals) and pako 2 (the system zlib's bytes at 2.5-2.8x Node's CPU).
Tight's text and console bytes are below the best peer's now (0.85 and 0.78); desktop Tight's CPU (1.05-1.18x
x11vnc's in these runs, whose Tight sends 1.4x our bytes) is now mostly Node's zlib (about 4 ms of its palette
and gradient streams); the gradient filter over the background and the colour count of the palette
rectangles, 2.4 and 1.1 ms of it before, run as WebAssembly (above).
` : ''}
### Every encoding, in process

\`vramvnc bench encode\` — each encoding on the fixture frames in \`fixtures/frames/\` (times are medians on this
shared machine; bytes are exact).

\`\`\`
${encode}
\`\`\`
${v86 ? '\n' + v86Section(v86) : ''}${hwText ? '\n' + hwText : ''}`;
fs.writeFileSync('BENCHMARKS.md', md);
console.log('BENCHMARKS.md written');
