#!/usr/bin/env node
// Builds the WebAssembly kernels from their AssemblyScript sources (native/deflate-match,
// native/pixel-kernels) into dist/, beside the modules that load them. Run by `npm run build`,
// `prepare` and `npm test`, after tsc. AssemblyScript is a devDependency: an installed copy of the
// package ships the built files.
//   node scripts/build-wasm.mjs
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const KERNELS = [
  { src: 'native/deflate-match/match.ts', out: 'dist/src/rfb/wire/deflate-match.wasm', flags: [] },
  // Tight's gradient filter and palette pass: 128-bit SIMD (Node 16.4 and later)
  { src: 'native/pixel-kernels/index.ts', out: 'dist/src/rfb/encodings/pixel-kernels.wasm', flags: ['--enable', 'simd'] },
];

const asc = path.join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
if (!fs.existsSync(asc)) {
  process.stderr.write('vramvnc: cannot build the WebAssembly kernels: AssemblyScript is not installed (npm install)\n');
  process.exit(1);
}
for (const k of KERNELS) {
  fs.mkdirSync(path.dirname(path.join(root, k.out)), { recursive: true });
  // no runtime (the kernels allocate nothing), no assertions, optimized for speed
  const r = spawnSync(process.execPath, [asc, k.src, '-O3', '--runtime', 'stub', '--noAssert', ...k.flags, '-o', k.out], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`vramvnc: building ${k.out} from ${k.src} failed\n`);
    process.exit(1);
  }
}
