#!/usr/bin/env node
// Builds the optional hwtrack addon (native/hwtrack, for `--tracking hw`) with node-gyp. Run by
// `npm install`; it never fails the install: without Linux x86_64, a C compiler, make, python3 or
// node's headers it prints one line and exits 0, and `--tracking hw` falls back at run time.
//   node scripts/build-hwtrack.mjs [--dir <addon source dir>]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirArg = process.argv.indexOf('--dir');
const dir = path.resolve(dirArg > 0 ? process.argv[dirArg + 1] : path.join(here, '..', 'native', 'hwtrack'));
const say = (line) => process.stdout.write(`vramvnc: ${line}\n`);

function main() {
  if (process.env.VRAMVNC_HWTRACK === 'off') return say('hwtrack addon not built (VRAMVNC_HWTRACK=off)');
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return say(`hwtrack addon not built (needs Linux x86_64, this is ${process.platform} ${process.arch}); --tracking hw will use the emulated tracker`);
  }
  const missing = [process.env.CC || 'cc', 'make', 'python3'].filter((tool) => !onPath(tool));
  if (missing.length > 0) return say(`hwtrack addon not built (${missing.join(', ')} not found); --tracking hw will use the emulated tracker`);
  // npm hands its bundled node-gyp to lifecycle scripts; outside npm, look beside node
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  const nodeGyp = candidates.find((c) => fs.existsSync(c));
  if (!nodeGyp) return say('hwtrack addon not built (node-gyp not found); --tracking hw will use the emulated tracker');
  // node's own headers when installed (Debian's nodejs, the official tarballs): no download needed
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const args = [nodeGyp, 'rebuild', '--loglevel=error'];
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: process.env });
  if (r.status === 0 && fs.existsSync(path.join(dir, 'build', 'Release', 'hwtrack.node'))) {
    return say('hwtrack addon built (--tracking hw: hardware dirty bits with userfaultfd)');
  }
  const out = `${r.stderr ?? ''}\n${r.stdout ?? ''}\n${r.error?.message ?? ''}`;
  const why = (out.split('\n').find((l) => /error:|ERR! stack Error/.test(l)) ?? `node-gyp exited with ${r.status}`).replace(/^gyp ERR! stack /, '').trim().slice(0, 160);
  say(`hwtrack addon not built (${why}); --tracking hw will use the emulated tracker`);
}

/** Whether a command (a name looked up on PATH, or a path) can be run. */
function onPath(tool) {
  const name = tool.split(/\s+/)[0];
  const dirs = name.includes('/') ? [''] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return dirs.some((d) => {
    try {
      fs.accessSync(d ? path.join(d, name) : name, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

try {
  main();
} catch (err) {
  say(`hwtrack addon not built (${err.message}); --tracking hw will use the emulated tracker`);
}
