// The vramvnc command line: serve a guest's display, take a screenshot from any VNC server
// (loaded by main.ts, the command's small entry).
import fs from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_APP_OPTIONS, VramVnc } from '../app.js';
import { TRACKING_MODES, type TrackingMode } from '../hypervisor/dirty-log.js';
import { GUEST_NAMES, resolveGuest } from '../guest/programs.js';
import { packageVersion, plainDefaults } from './help.js';
import { parseHostPort } from '../transport/tcp.js';
import { REFRESH_MODES, type RefreshMode } from '../display/update-pipeline.js';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { securityFromFlags, type SecurityFlags } from './security-flags.js';
import { SHARE_POLICIES } from '../rfb/admission.js';
import { benchIdle, formatIdleTable, IDLE_PEERS } from '../bench/idle.js';
import { LAUNCHES } from '../bench/server-process.js';
import { benchLatency, formatLatencyTable } from '../bench/latency.js';
import { benchGuest, formatGuestTable } from '../bench/guest.js';
import { benchSlowClient, benchThroughput, formatThroughputTable } from '../bench/throughput.js';
import { SKIPPABLE_ENCODINGS } from '../bench/counting-client.js';
import { EncodingType } from '../rfb/wire/encodings.js';
import { barChartSvg } from '../bench/plot.js';
import { passwordOption, registerScreenCommands } from './screen-commands.js';
import { DeflatePool, defaultDeflateThreads } from '../rfb/encodings/deflate-pool.js';
import { addMachineOptions, checkMachineFlags, DEFAULT_VRAM_MB, flagMessage, v86FromFlags, type MachineKind } from './machine-flags.js';
import { benchEncode, defaultFramesDir, formatBenchTable, FRAME_NAMES, loadFrame, writeFrames } from './bench-encode.js';
import { benchEncodePeers, ENCODE_PEERS, formatPeerTable } from '../bench/encode-peers.js';
import { describeMachine } from '../bench/proc.js';
import { benchPages, formatPagesTable } from '../bench/pages.js';

/** Exit code for bad usage: a bad flag, an unknown guest, a port in use. */
const EXIT_USAGE = 2;

function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

function endpointArg(name: string) {
  return (v: string): { host: string; port: number } | null => {
    if (v === 'off') return null;
    try {
      return parseHostPort(v, name);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

function fail(message: string, code = EXIT_USAGE): never {
  process.stderr.write(`vramvnc: ${message}\n`);
  process.exit(code);
}

/** A comma list flag whose every item must be one of `known` (else one line naming it, and exit 2). */
function listOf<T extends string>(flag: string, value: unknown, known: readonly T[], what: string): T[] {
  const items = String(value).split(',').filter(Boolean);
  for (const v of items) if (!known.includes(v as T)) fail(`${flag}: unknown ${what} '${v}' (known: ${known.join(', ')})`);
  return items as T[];
}

/** Progress lines of the benchmarks, on stderr (stdout carries the table or the JSON). */
const logLine = (l: string) => process.stderr.write(`${l}\n`);

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('vramvnc')
    .description('A VNC server for an emulated HVM guest display, driven by dirty-VRAM tracking')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError(false)
    .exitOverride();

  const serve = program
    .command('serve')
    .description('run a guest and serve its display over VNC (and the web port)')
    .option('--guest <name>', `guest program: ${GUEST_NAMES.join(', ')}`, 'desktop')
    .option('--seed <n>', 'seed for the guest', intArg('--seed', 0, 2 ** 32 - 1), DEFAULT_APP_OPTIONS.seed)
    .option('--duration <ms>', 'the guest stops writing after this long', intArg('--duration', 0, 2 ** 31 - 1))
    .option('--vnc <host:port|off>', 'RFB listener', endpointArg('--vnc'), { host: '127.0.0.1', port: 5900 })
    .option('--web <host:port|off>', 'web listener (screenshot, stats)', endpointArg('--web'), { host: '127.0.0.1', port: 6080 })
    .addOption(new Option('--tracking <mode>', 'how the device model finds changes').choices(TRACKING_MODES as string[]).default('dirty'))
    .option('--idle-drop-ms <ms>', 'drop tracking after this long without a dirty page', intArg('--idle-drop-ms', 1, 3_600_000), DEFAULT_APP_OPTIONS.idleDropMs)
    .option('--vram-mb <n>', 'video RAM size in MiB (default 8; 16 for --machine v86, a power of two there)', intArg('--vram-mb', 1, 256))
    .option('--refresh-ms <ms>', 'poll: refresh interval while a client waits', intArg('--refresh-ms', 1, 1000), DEFAULT_APP_OPTIONS.refreshIntervalMs)
    .addOption(new Option('--refresh <how>', 'learn of changes from the tracker (event) or by polling like Xen (poll)').choices(REFRESH_MODES as string[]).default('event'))
    .option('--stall-timeout-ms <ms>', 'disconnect a client that takes no data for this long while updates wait', intArg('--stall-timeout-ms', 100, 86_400_000), 60_000)
    .option('--max-clients <n>', 'established clients at most (handshakes in progress are capped apart, at the same number)', intArg('--max-clients', 1, 100000), 100)
    .option('--quiet', 'do not log connections')
    .option('--password-file <file>', 'require VNC Authentication: first line of a text file, or a file made by vncpasswd')
    .option('--tls-cert <file>', 'PEM certificate for VeNCrypt X509 (and wss://)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--anonymous-tls', "also offer VeNCrypt's anonymous-TLS subtypes (TLSNone/TLSVnc: encrypted, server not verified)")
    .option('--insecure-no-auth', 'allow listening beyond loopback without a password')
    .option('--allow-origin <origin...>', 'WebSocket origins allowed besides the page\'s own host (* for any)')
    .option('--allow-host <name...>', 'Host names the web port answers to besides localhost, IP addresses and the --web host (.domain for subdomains, * for any)')
    .addOption(new Option('--share <policy>', "what a client's shared-flag 0 may do: disconnect the others (allow-exclusive), nothing: refused (force-shared), or ignored").choices([...SHARE_POLICIES]).default('allow-exclusive'))
    .option('--max-cut-text <bytes>', 'largest ClientCutText accepted', intArg('--max-cut-text', 0, 256 * 1024 * 1024), 1024 * 1024)
    .option('--max-output-mb <n>', 'drop a client with more than this many MiB waiting unsent', intArg('--max-output-mb', 1, 4096), 32)
    .option('--handshake-timeout-ms <ms>', 'drop clients that have not finished the handshake by then', intArg('--handshake-timeout-ms', 100, 3_600_000), 10_000)
    .option(
      '--deflate-threads <n>',
      'worker threads that deflate large rectangles beside the main thread (0: main thread only)',
      intArg('--deflate-threads', 0, 8),
      defaultDeflateThreads(),
    );
  addMachineOptions(serve).action(async (opts, cmd: Command) => {
      const kind = opts.machine as MachineKind;
      let guest;
      try {
        checkMachineFlags(cmd, kind);
        if (kind === 'scripted') guest = resolveGuest(opts.guest);
      } catch (err) {
        fail((err as Error).message);
      }
      if (!opts.vnc && !opts.web) fail('--vnc off and --web off: nothing would listen; keep at least one of them');
      const vramMb: number = opts.vramMb ?? DEFAULT_VRAM_MB[kind];
      const log = opts.quiet ? () => {} : (line: string) => process.stderr.write(`${new Date().toISOString()} vnc: ${line}\n`);
      let security;
      try {
        security = securityFromFlags(opts as SecurityFlags, log);
      } catch (err) {
        fail((err as Error).message);
      }
      let app: VramVnc;
      try {
        const machine =
          kind === 'v86' ? await v86FromFlags(opts, { tracking: opts.tracking as TrackingMode, idleDropMs: opts.idleDropMs, vramMb, log }) : undefined;
        app = new VramVnc({
          machine,
          guest,
          seed: opts.seed,
          durationMs: opts.duration ?? null,
          tracking: opts.tracking as TrackingMode,
          idleDropMs: opts.idleDropMs,
          vramMb,
          refreshIntervalMs: opts.refreshMs,
          refreshMode: opts.refresh as RefreshMode,
          vnc: opts.vnc,
          web: opts.web,
          log,
          rfb: { ...security.rfb, maxClients: opts.maxClients, stallTimeoutMs: opts.stallTimeoutMs, deflateThreads: opts.deflateThreads },
          webSecurity: security.web,
        });
        await app.start();
      } catch (err) {
        fail(flagMessage(err));
      }
      if (app.vncUrl) process.stdout.write(`vnc: listening on ${app.vncUrl}\n`);
      if (app.webUrl) process.stdout.write(`web: listening on ${app.webUrl}\n`);
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        app.stop().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  program
    .command('screenshot')
    .description('connect to a VNC server, wait for the first complete frame, write it as PNG')
    .argument('<url>', 'vnc://host:port')
    .argument('<out>', 'output PNG file')
    .option('--timeout-ms <ms>', 'give up after this long', intArg('--timeout-ms', 1, 3_600_000), 10_000)
    .addOption(passwordOption())
    .action(async (url: string, out: string, opts) => {
      let client: RfbClient;
      try {
        client = await RfbClient.connect(url, { timeoutMs: opts.timeoutMs, autoUpdate: false, ...(opts.password === undefined ? {} : { password: opts.password }) });
      } catch (err) {
        fail(`cannot connect to ${url}: ${(err as Error).message}`, 1);
      }
      try {
        await client.waitFirstFrame(opts.timeoutMs);
        fs.writeFileSync(out, client.toPng());
      } catch (err) {
        client.close();
        fail(`${url}: ${(err as Error).message}`, 1);
      }
      client.close();
      process.stdout.write(`${out}: ${client.width}x${client.height} from ${client.name || url}\n`);
    });

  const bench = program.command('bench').description('measure the server (see BENCHMARKS.md)');
  bench
    .command('idle')
    .description('server CPU per tracking mode with viewers connected to an idle screen')
    .option('--seconds <n>', 'measurement window per mode', intArg('--seconds', 1, 3600), 30)
    .option('--guest <name>', 'guest to run (idle, desktop, ...)', 'idle')
    .option('--clients <n>', 'viewers connected', intArg('--clients', 1, 1000), 1)
    .option('--modes <list>', 'comma-separated tracking modes, each optionally /poll or /event', 'scan,dirty-nodrop,dirty,dirty/event')
    .option('--peers <list>', 'other servers measured the same way: qemu-text, qemu-vbe (QEMU stdvga + VNC), node-floor (a bare node doing only a text screen\'s cursor-toggle timer and one 38-byte write each)', '')
    .option('--settle-seconds <n>', 'left out of the steady figures (at most half the window)', intArg('--settle-seconds', 0, 3600), 20)
    .option('--repeat <n>', 'runs per mode, interleaved; each row is the median run', intArg('--repeat', 1, 99), 1)
    .option('--launch <list>', 'how the server is started: node (plain `node dist/src/cli/main.js serve`), flags (node with the V8 flags the server sets itself), bare (plain node, relaunch off: the cost without them); several: every mode once each', 'node')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const launches = listOf('--launch', opts.launch, LAUNCHES, 'way');
      const modes = String(opts.modes).split(',').filter(Boolean);
      for (const m of modes) {
        const [t, r = 'poll'] = m.split('/');
        if (!TRACKING_MODES.includes(t as TrackingMode) || !REFRESH_MODES.includes(r as RefreshMode)) fail(`--modes: unknown mode '${m}' (tracking dirty|dirty-nodrop|scan|hw, optionally /poll or /event)`);
      }
      const peers = listOf('--peers', opts.peers, [...IDLE_PEERS], 'peer');
      const o = { seconds: opts.seconds, settleSeconds: opts.settleSeconds, repeat: opts.repeat, guest: opts.guest, modes, clients: opts.clients, peers, launches, log: logLine };
      const results = await benchIdle(o);
      process.stdout.write(opts.json ? `${JSON.stringify({ options: { ...o, log: undefined }, machine: describeMachine(), results }, null, 2)}\n` : `${formatIdleTable(results, o)}\n`);
    });

  bench
    .command('latency')
    .description('time from a guest store to those pixels decoded at a client, p50/p95/p99')
    .option('--samples <n>', 'samples per case (full-screen cases take a quarter)', intArg('--samples', 5, 100000), 200)
    .option('--modes <list>', 'tracking modes, each optionally /poll or /event', 'scan,dirty-nodrop,dirty,dirty-nodrop/event,dirty/event')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const o = { samples: opts.samples, modes: String(opts.modes).split(','), log: logLine };
      const results = await benchLatency(o);
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatLatencyTable(results)}\n`);
    });

  bench
    .command('v86')
    .description('the v86 machine beside QEMU TCG on the guest images: boot, idle CPU at the Linux prompt, console scroll, key latency')
    .option('--guests <dir>', 'where npm run guests put the images', 'guests')
    .option('--idle-seconds <s>', 'how long to measure the idle prompt', intArg('--idle-seconds', 5, 3600), 30)
    .option('--settle-seconds <s>', 'let the Linux prompt sit this long before measuring it idle', intArg('--settle-seconds', 0, 3600), 30)
    .option('--latency-samples <n>', 'key presses timed', intArg('--latency-samples', 3, 1000), 20)
    .option('--peers <list>', 'qemu, or none', 'qemu')
    .option('--cases <list>', 'guests to boot: grub, linux', 'grub,linux')
    .option('--trackings <list>', "our server's tracking backends, a row each (dirty = v86's log, hw, scan)", 'dirty')
    .option('--repeat <n>', 'runs of every server, interleaved; a row is the median run (by idle CPU; GRUB: by boot time)', intArg('--repeat', 1, 100), 1)
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const { benchV86, formatV86Table } = await import('../bench/v86.js');
      const trackings = listOf('--trackings', opts.trackings, TRACKING_MODES, 'mode');
      const o = { guests: opts.guests, idleSeconds: opts.idleSeconds, settleSeconds: opts.settleSeconds, latencySamples: opts.latencySamples, peers: String(opts.peers).split(','), cases: String(opts.cases).split(','), trackings, repeat: opts.repeat, log: logLine };
      const rows = await benchV86(o);
      process.stdout.write(opts.json ? `${JSON.stringify({ options: { ...o, log: undefined }, rows }, null, 2)}\n` : `${formatV86Table(rows)}\n`);
    });

  bench
    .command('v86-idle')
    .description('the idle Linux prompt on v86, a server per tracking backend booted and measured in the same windows: CPU, refresher wake-ups, queries, re-arms; then a keystroke each')
    .option('--guests <dir>', 'where npm run guests put the images', 'guests')
    .option('--trackings <list>', 'tracking backends, a server each', 'dirty,hw')
    .option('--settle-seconds <s>', 'let the prompts sit this long first', intArg('--settle-seconds', 0, 3600), 30)
    .option('--seconds <s>', 'one measurement window', intArg('--seconds', 5, 3600), 60)
    .option('--repeat <n>', 'windows', intArg('--repeat', 1, 100), 3)
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const { benchV86Idle, formatV86Idle } = await import('../bench/v86-idle.js');
      const trackings = listOf('--trackings', opts.trackings, TRACKING_MODES, 'mode');
      const o = { guests: opts.guests, trackings, settleSeconds: opts.settleSeconds, seconds: opts.seconds, repeat: opts.repeat, log: logLine };
      const r = await benchV86Idle(o);
      process.stdout.write(opts.json ? `${JSON.stringify({ options: { ...o, log: undefined }, ...r }, null, 2)}\n` : `${formatV86Idle(r, o)}\n`);
    });

  bench
    .command('guest')
    .description("the guest's side: redraw time with plain memory, dirty logging, from dropped, and trapping")
    .option('--rounds <n>', 'redraws per case (median reported)', intArg('--rounds', 1, 10000), 15)
    .option('--exit-us <us>', 'modelled cost of one VM exit (trap or fault), microseconds', intArg('--exit-us', 0, 1000), 5)
    .option('--json', 'print JSON instead of a table')
    .action((opts) => {
      const results = benchGuest(opts.rounds, opts.exitUs, (l) => process.stderr.write(`${l}\n`));
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatGuestTable(results, opts.rounds, opts.exitUs)}\n`);
    });

  bench
    .command('pages')
    .description('pages each dirty-VRAM backend reports against the byte diff of VRAM (hw with the emulated log beside it; on v86, with v86\'s bitmap beside it)')
    .option('--guest <name>', 'guest to run (scripted machine)', 'random')
    .option('--seconds <n>', 'how long the guest runs with one viewer (scripted machine)', intArg('--seconds', 1, 3600), 10)
    .option('--machine <kind>', 'scripted, or v86: GRUB page flips and Linux console redraws', 'scripted')
    .option('--guests <dir>', 'v86: where npm run guests put the images', 'guests')
    .option('--cases <list>', 'v86: guests to boot: grub, linux', 'grub,linux')
    .option('--rounds <n>', 'v86: redraws per guest and view', intArg('--rounds', 2, 1000), 8)
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      if (opts.machine === 'v86') {
        const { benchPagesV86, formatPagesV86 } = await import('../bench/pages-v86.js');
        const o = { guests: opts.guests, cases: String(opts.cases).split(','), rounds: opts.rounds, log: logLine };
        const results = await benchPagesV86(o);
        process.stdout.write(opts.json ? `${JSON.stringify({ options: { ...o, log: undefined }, results }, null, 2)}\n` : `${formatPagesV86(results)}\n`);
        return;
      }
      if (opts.machine !== 'scripted') fail(`--machine: unknown machine '${opts.machine}' (scripted, v86)`);
      const r = await benchPages({ guest: opts.guest, seconds: opts.seconds, log: (l) => process.stderr.write(`${l}\n`) });
      const title = `guest ${opts.guest}, ${opts.seconds} s, one viewer; the device queries ${r.primary}; the other backend is asked for the same range at each query`;
      process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatPagesTable(r.rows, title)}\n`);
    });

  bench
    .command('throughput')
    .description('the video guest delivered to 1, 10 and 100 viewers: frames/s, bytes/frame, server CPU')
    .option('--seconds <n>', 'measurement window per case', intArg('--seconds', 1, 3600), 5)
    .option('--clients <list>', 'viewer counts', '1,10,100')
    .option('--encodings <list>', 'encoding numbers or names (Raw, Zlib, ZRLE, Tight)', 'Raw')
    .option('--guests <list>', 'video guests', 'video,video:640x480')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const encodings = String(opts.encodings).split(',').map((e) => {
        const n = /^-?\d+$/.test(e) ? Number(e) : (EncodingType as Record<string, number>)[e];
        if (n === undefined || !SKIPPABLE_ENCODINGS.includes(n)) fail(`--encodings: '${e}' is not one of Raw, Zlib, ZRLE, Tight`);
        return n;
      });
      const o = {
        seconds: opts.seconds,
        clients: String(opts.clients).split(',').map(intArg('--clients', 1, 1000)),
        encodings,
        regions: String(opts.guests).split(','),
        log: logLine,
      };
      const results = await benchThroughput(o);
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatThroughputTable(results, o)}\n`);
    });

  bench
    .command('slow-client')
    .description('a client that stops reading while video runs: server memory and the other viewer')
    .option('--seconds <n>', 'how long the client does not read', intArg('--seconds', 1, 3600), 60)
    .action(async (opts) => {
      const r = await benchSlowClient(opts.seconds, (l) => process.stderr.write(`${l}\n`));
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });

  bench
    .command('plot')
    .description('SVG charts from `bench idle --json` and/or `bench latency --json` output')
    .option('--idle <file>', 'JSON from bench idle --json')
    .option('--latency <file>', 'JSON from bench latency --json')
    .option('--out <dir>', 'where to write bench-idle.svg and bench-latency.svg (docs/ holds the committed ones)', 'test-output/plots')
    .action((opts) => {
      if (!opts.idle && !opts.latency) fail('bench plot: give --idle FILE, --latency FILE, or both');
      const read = (f: string) => {
        try {
          return JSON.parse(fs.readFileSync(f, 'utf8'));
        } catch (err) {
          fail(`cannot read ${f}: ${(err as Error).message}`);
        }
      };
      fs.mkdirSync(opts.out, { recursive: true });
      const written: string[] = [];
      if (opts.idle) {
        const idle = read(opts.idle);
        const label = (m: string) => (m.startsWith('qemu-') ? `QEMU stdvga ${m.slice(5)}` : m.includes('/') ? `vramvnc ${m}` : `vramvnc ${m}/poll`);
        const idleBars = (idle.results as { mode: string; cpuPercent: number }[]).map((r) => ({ label: label(r.mode), value: Math.max(r.cpuPercent, 1e-4), note: `${r.cpuPercent.toFixed(3)} %` }));
        fs.writeFileSync(`${opts.out}/bench-idle.svg`, barChartSvg(`Server CPU with one viewer, guest '${idle.options.guest}', ${idle.options.seconds} s`, 'CPU % of one core', idleBars));
        written.push(`${opts.out}/bench-idle.svg`);
      }
      if (opts.latency) {
        const lat = read(opts.latency) as { mode: string; change: string; from: string; p50: number; p99: number }[];
        const latBars = lat.map((r) => ({ label: `${r.mode} ${r.change} ${r.from}`, value: r.p50, value2: r.p99, note: `p50 ${r.p50.toFixed(2)} / p99 ${r.p99.toFixed(2)} ms` }));
        fs.writeFileSync(`${opts.out}/bench-latency.svg`, barChartSvg('Guest store to pixels at the client (1024x768x32, Raw, loopback)', 'milliseconds', latBars, { legend: ['p50', 'p99'] }));
        written.push(`${opts.out}/bench-latency.svg`);
      }
      process.stdout.write(`${written.join('\n')}\n`);
    });

  registerScreenCommands(program);

  bench
    .command('encode')
    .description('time and bytes per frame for each encoding on the fixture frames (desktop, text, photo, noise)')
    .option('--iterations <n>', 'encodes per frame and encoding', intArg('--iterations', 1, 1000), 3)
    .option('--frames <dir>', 'directory of fixture frames', defaultFramesDir())
    .option('--write-frames', 'regenerate the fixture frames into --frames first')
    .option('--peers <list>', 'serve photo, text, desktop and console from our server and these (x11vnc on Xvfb, xvnc) and measure all with one client over TCP')
    .option('--pictures <list>', 'with --peers: the fixture frames to serve', 'photo,text,desktop,console')
    .option('--warmup <n>', 'with --peers: frames taken from every server first and not counted (a fresh server is still compiling its encoder)', intArg('--warmup', 0, 1000), 0)
    .option('--server-args <flags>', "with --peers: more serve flags for our server, e.g. '--deflate-threads 0'", '')
    .option('--json', 'with --peers: print JSON instead of a table')
    .action(async (opts) => {
      if (opts.writeFrames) for (const f of writeFrames(opts.frames)) process.stdout.write(`wrote ${f}\n`);
      if (opts.peers !== undefined) {
        const peers = listOf('--peers', opts.peers, ENCODE_PEERS, 'peer');
        const names = listOf('--pictures', opts.pictures, FRAME_NAMES, 'picture');
        const serverArgs = String(opts.serverArgs).split(/\s+/).filter(Boolean);
        const o = { frames: names.map((name) => ({ name, surface: loadFrame(name, opts.frames) })), peers, iterations: opts.iterations, warmup: opts.warmup, serverArgs, log: logLine };
        const rows = await benchEncodePeers(o);
        process.stdout.write(opts.json ? `${JSON.stringify({ options: { peers, iterations: o.iterations, warmup: o.warmup, pictures: names, serverArgs }, machine: describeMachine(), rows }, null, 2)}\n` : `${formatPeerTable(rows, o)}\n`);
        return;
      }
      const frames = FRAME_NAMES.map((name) => ({ name, surface: loadFrame(name, opts.frames) }));
      const deflate = new DeflatePool(); // as a server's, with its default threads
      process.stdout.write(`${formatBenchTable(benchEncode(frames, opts.iterations, undefined, deflate))}\n`);
      await deflate.close();
    });

  plainDefaults(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its one-line message
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    fail((err as Error).message, 1);
  }
}

main();
