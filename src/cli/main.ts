#!/usr/bin/env node
// The vramvnc command line: serve a guest's display, take a screenshot from any VNC server.
import fs from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_APP_OPTIONS, VramVnc } from '../app.js';
import { TRACKING_MODES, type TrackingMode } from '../hypervisor/dirty-log.js';
import { resolveGuest } from '../guest/programs.js';
import { parseHostPort } from '../transport/tcp.js';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { securityFromFlags, type SecurityFlags } from './security-flags.js';

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

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('vramvnc')
    .description('A VNC server for an emulated HVM guest display, driven by dirty-VRAM tracking')
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command('serve')
    .description('run a guest and serve its display over VNC (and the web port)')
    .option('--guest <name>', 'guest program: idle, desktop, random, image:<file.png>', 'desktop')
    .option('--seed <n>', 'seed for the guest', intArg('--seed', 0, 2 ** 32 - 1), DEFAULT_APP_OPTIONS.seed)
    .option('--duration <ms>', 'the guest stops writing after this long', intArg('--duration', 0, 2 ** 31 - 1))
    .option('--vnc <host:port|off>', 'RFB listener', endpointArg('--vnc'), { host: '127.0.0.1', port: 5900 })
    .option('--web <host:port|off>', 'web listener (screenshot, stats)', endpointArg('--web'), { host: '127.0.0.1', port: 6080 })
    .addOption(new Option('--tracking <mode>', 'how the device model finds changes').choices(TRACKING_MODES as string[]).default('dirty'))
    .option('--idle-drop-ms <ms>', 'drop tracking after this long without a dirty page', intArg('--idle-drop-ms', 1, 3_600_000), DEFAULT_APP_OPTIONS.idleDropMs)
    .option('--vram-mb <n>', 'video RAM size in MiB', intArg('--vram-mb', 1, 256), DEFAULT_APP_OPTIONS.vramMb)
    .option('--refresh-ms <ms>', 'refresh interval while a client waits', intArg('--refresh-ms', 1, 1000), DEFAULT_APP_OPTIONS.refreshIntervalMs)
    .option('--quiet', 'do not log connections')
    .option('--password-file <file>', 'require VNC Authentication: first line of a text file, or a file made by vncpasswd')
    .option('--tls-cert <file>', 'PEM certificate for VeNCrypt X509 (and wss://)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--insecure-no-auth', 'allow listening beyond loopback without a password')
    .option('--allow-origin <origin...>', 'WebSocket origins allowed besides the page\'s own host (* for any)')
    .option('--max-clients <n>', 'connections at once (handshaking ones included)', intArg('--max-clients', 1, 100_000), 100)
    .option('--max-cut-text <bytes>', 'largest ClientCutText accepted', intArg('--max-cut-text', 0, 256 * 1024 * 1024), 1024 * 1024)
    .option('--max-output-mb <n>', 'drop a client with more than this many MiB waiting unsent', intArg('--max-output-mb', 1, 4096), 64)
    .option('--handshake-timeout-ms <ms>', 'drop clients that have not finished the handshake by then', intArg('--handshake-timeout-ms', 100, 3_600_000), 10_000)
    .action(async (opts) => {
      let guest;
      try {
        guest = resolveGuest(opts.guest);
      } catch (err) {
        fail((err as Error).message);
      }
      const log = opts.quiet ? () => {} : (line: string) => process.stderr.write(`${new Date().toISOString()} vnc: ${line}\n`);
      let security;
      try {
        security = securityFromFlags(opts as SecurityFlags, log);
      } catch (err) {
        fail((err as Error).message);
      }
      let app: VramVnc;
      try {
        app = new VramVnc({
          guest,
          seed: opts.seed,
          durationMs: opts.duration ?? null,
          tracking: opts.tracking as TrackingMode,
          idleDropMs: opts.idleDropMs,
          vramMb: opts.vramMb,
          refreshIntervalMs: opts.refreshMs,
          vnc: opts.vnc,
          web: opts.web,
          log,
          rfb: security.rfb,
          webSecurity: security.web,
        });
        await app.start();
      } catch (err) {
        fail((err as Error).message);
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
    .action(async (url: string, out: string, opts) => {
      let client: RfbClient;
      try {
        client = await RfbClient.connect(url, { timeoutMs: opts.timeoutMs, autoUpdate: false });
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
