#!/usr/bin/env -S node --no-memory-reducer --interrupt-budget=4096
// The vramvnc command (package.json "bin"). A small entry: `serve` started without the V8 flags an
// idle server needs (e.g. as `node dist/src/cli/main.js serve`) runs itself again with them
// (runtime/v8-flags.ts); this process then only waits, having loaded nothing else (a process that
// had loaded the whole CLI would run V8's memory reducer itself). The CLI is in cli.ts.
import { relaunchWithServerV8Flags } from '../runtime/v8-flags.js';

if (!(process.argv[2] === 'serve' && relaunchWithServerV8Flags())) await import('./cli.js');
