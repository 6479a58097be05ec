// Screen-test commands: assert-screen, wait-still, type, key, needle (openQA-style, for any VNC server).
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { connect, type Screen } from '../../client/screen/session.js';
import { createNeedle, findNeedles, loadNeedle, saveNeedle, type Needle } from '../../client/screen/needle.js';
import { readPng, type Rect, type RgbaImage } from '../../client/screen/image.js';

/** Exit codes: 0 as asked, 1 the screen did not do it (or the server is unreachable), 2 bad usage. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class ScreenCliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

function intOpt(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** Parse x,y,w,h (commander collector for repeatable options). */
function rectOpt(name: string) {
  return (v: string, prev: Rect[] = []): Rect[] => {
    const m = /^(\d+),(\d+),(\d+),(\d+)$/.exec(v.trim());
    if (!m || Number(m[3]) < 1 || Number(m[4]) < 1) throw new InvalidArgumentError(`${name} must be x,y,w,h with w and h at least 1, got '${v}'`);
    return [...prev, { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) }];
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

async function withScreen<T>(url: string, opts: { timeoutMs: number; password?: string }, fn: (s: Screen) => Promise<T>): Promise<T> {
  let screen: Screen;
  try {
    screen = await connect(url, { timeoutMs: opts.timeoutMs, ...(opts.password === undefined ? {} : { password: opts.password }) });
  } catch (err) {
    throw new ScreenCliError(`cannot connect to ${url}: ${(err as Error).message}`, EXIT_FAILED);
  }
  try {
    return await fn(screen);
  } finally {
    await screen.close();
  }
}

function run(fn: () => Promise<void>): Promise<void> {
  return fn().catch((err: unknown) => {
    // a mismatch (ScreenMatchError), a screen that would not settle, a lost connection: all EXIT_FAILED
    const code = err instanceof ScreenCliError ? err.exitCode : EXIT_FAILED;
    process.stderr.write(`vramvnc: ${(err as Error).message}\n`);
    process.exit(code);
  });
}

function loadNeedleArg(arg: string, tag: string | undefined): Needle[] {
  let isDir: boolean;
  try {
    isDir = fs.statSync(arg).isDirectory();
  } catch {
    throw new ScreenCliError(`no such needle file or directory: ${arg}`, EXIT_USAGE);
  }
  try {
    if (isDir) {
      if (!tag) throw new ScreenCliError(`${arg} is a directory: give --tag T to choose needles from it`, EXIT_USAGE);
      return findNeedles(arg, tag);
    }
    return [loadNeedle(arg)];
  } catch (err) {
    if (err instanceof ScreenCliError) throw err;
    throw new ScreenCliError((err as Error).message, EXIT_USAGE);
  }
}

/** --password, or the environment's VNC_PASSWORD (keeps it out of the process list). */
export function passwordOption(prefix = ''): Option {
  return new Option('--password <password>', `${prefix}VNC Authentication password`).env('VNC_PASSWORD');
}

/** Add the screen-test subcommands to the vramvnc program. */
export function registerScreenCommands(program: Command): void {
  const common = (c: Command) =>
    c
      .option('--timeout-ms <ms>', 'give up after this long', intOpt('--timeout-ms', 1, 3_600_000), 10_000)
      .addOption(passwordOption());

  common(
    program
      .command('assert-screen')
      .description('wait until the screen matches a needle (exit 0), or fail with the reason and actual/expected/diff PNGs (exit 1)')
      .argument('<url>', 'vnc://host:port')
      .argument('<needle>', 'a needle .json, or a directory of needles with --tag')
      .option('--tag <tags>', 'with a directory: needles carrying these tags (space-separated: all of them)')
      .option('--out-dir <dir>', 'where to write the PNGs on failure', 'test-output/screen'),
  ).action((url: string, needleArg: string, opts) =>
    run(async () => {
      const needles = loadNeedleArg(needleArg, opts.tag);
      await withScreen(url, opts, async (s) => {
        const m = await s.assertScreen(needles, { timeoutMs: opts.timeoutMs, outDir: opts.outDir });
        const at = m.areas.map((a) => `${a.x},${a.y}`).join(' ');
        process.stdout.write(`matched '${m.needle.name}' at ${at}: ${(m.similarity * 100).toFixed(1)}% after ${Math.round(m.elapsedMs)} ms\n`);
      });
    }),
  );

  common(
    program
      .command('wait-still')
      .description('wait until the screen has not changed for --still-ms')
      .argument('<url>', 'vnc://host:port')
      .option('--still-ms <ms>', 'how long the screen must stay unchanged', intOpt('--still-ms', 1, 3_600_000), 1000)
      .option('--area <x,y,w,h>', 'watch only this part of the screen (e.g. to ignore a blinking cursor)', rectOpt('--area')),
  ).action((url: string, opts) =>
    run(async () => {
      await withScreen(url, { ...opts, timeoutMs: Math.max(opts.timeoutMs, 10_000) }, async (s) => {
        const started = performance.now();
        const r = await s.waitStill({ stillMs: opts.stillMs, timeoutMs: opts.timeoutMs, ...(opts.area ? { area: opts.area[0] } : {}) });
        process.stdout.write(`still for ${opts.stillMs} ms after ${Math.round(performance.now() - started)} ms (${r.changes} changes seen)\n`);
      });
    }),
  );

  common(
    program
      .command('type')
      .description('type text as key presses')
      .argument('<url>', 'vnc://host:port')
      .argument('<text>', 'the text (\\n is Return)'),
  ).action((url: string, text: string, opts) =>
    run(async () => {
      await withScreen(url, opts, async (s) => s.typeText(text.replace(/\\n/g, '\n')));
    }),
  );

  common(
    program
      .command('key')
      .description("press keys: combinations like ctrl-alt-delete, space-separated for several ('esc f2 ret')")
      .argument('<url>', 'vnc://host:port')
      .argument('<keys...>', 'key combinations'),
  ).action((url: string, keys: string[], opts) =>
    run(async () => {
      const combos = keys.flatMap((k) => k.split(/\s+/)).filter(Boolean);
      const { parseKeyCombo } = await import('../rfb/wire/keysyms.js');
      for (const c of combos) {
        try {
          parseKeyCombo(c);
        } catch (err) {
          throw new ScreenCliError((err as Error).message, EXIT_USAGE);
        }
      }
      await withScreen(url, opts, async (s) => {
        for (const c of combos) s.sendKey(c);
      });
    }),
  );

  program
    .command('needle')
    .description('write an openQA needle (NAME.json beside NAME.png) from a screenshot PNG or a VNC server')
    .argument('<source>', 'a screenshot .png, or vnc://host:port to take one')
    .requiredOption('--area <x,y,w,h>', 'a match area (repeatable)', rectOpt('--area'))
    .option('--exclude <x,y,w,h>', 'an area to ignore (repeatable)', rectOpt('--exclude'))
    .option('--tag <tag>', 'a tag (repeatable; default: the needle name)', collect)
    .option('--match <percent>', 'match level for the areas (default 96)', intOpt('--match', 0, 100))
    .option('--margin <px>', 'how far areas may move (default 50)', intOpt('--margin', 0, 10_000))
    .option('-o, --out <file.json>', 'output JSON (default: the PNG name with .json; needle.json for a URL)')
    .option('--timeout-ms <ms>', 'for a VNC source: give up after this long', intOpt('--timeout-ms', 1, 3_600_000), 10_000)
    .addOption(passwordOption('for a VNC source: '))
    .action((source: string, opts) =>
      run(async () => {
        const fromVnc = /^vnc:\/\//.test(source);
        let image: RgbaImage;
        if (fromVnc) {
          image = await withScreen(source, opts, async (s) => s.screenshot());
        } else {
          try {
            image = readPng(source);
          } catch (err) {
            throw new ScreenCliError(`cannot read ${source}: ${(err as Error).message}`, EXIT_USAGE);
          }
        }
        const out: string = opts.out ?? (fromVnc ? 'needle.json' : source.replace(/\.png$/i, '') + '.json');
        if (!out.endsWith('.json')) throw new ScreenCliError(`--out must end in .json, got '${out}'`, EXIT_USAGE);
        const name = path.basename(out, '.json');
        let needle: Needle;
        try {
          needle = createNeedle(image, opts.area, {
            name,
            tags: opts.tag ?? [name],
            ...(opts.match === undefined ? {} : { match: opts.match }),
            ...(opts.margin === undefined ? {} : { margin: opts.margin }),
            exclude: opts.exclude ?? [],
          });
        } catch (err) {
          throw new ScreenCliError((err as Error).message, EXIT_USAGE);
        }
        saveNeedle(needle, out);
        process.stdout.write(`${out}: ${needle.area.length} area(s), tags ${needle.tags.join(' ')}, image ${out.replace(/\.json$/, '.png')}\n`);
      }),
    );
}
