// The V8 settings an idle server needs, whatever way it is started. V8's memory reducer runs up to
// three GC passes of its own some seconds after activity stops (~20-30 ms of CPU on an idle server:
// more than everything else it does in a minute). A smaller interrupt budget (4096 bytes of
// bytecode between tier-up checks, V8's default 66 KiB) gets code that runs a few times a second
// optimized within seconds rather than minutes: a text screen's blink update (9 a second) cost
// 0.58% of a core 20-60 s after start with the default and 0.38% with 4096, the desktop guest
// 0.171% and 0.173% (2048 cost the desktop guest more: optimized code thrown away and rebuilt while
// its first minute ran). The reducer is made with the isolate: setting
// --no-memory-reducer later (v8.setFlagsFromString) leaves the running isolate's reducer in place
// (measured: it still collects 8 s after the last mark-compact). So a process started without the
// flag runs itself again with it and only passes signals and the exit code along.
//
// That parent must stay asleep: it must be small (main.ts loads the CLI only after this check): a
// process that has loaded much code runs its own reducer ~8 s later, triggered while the code is
// parsed, before any flag could be set. The child learns of the parent's end (even a SIGKILL) from
// the end of a pipe on its fd 3, and stops as on SIGTERM. Worker isolates made after
// setFlagsFromString get the flags.
import { spawn } from 'node:child_process';
import net from 'node:net';
import v8 from 'node:v8';

export const SERVER_V8_FLAGS = ['--no-memory-reducer', '--interrupt-budget=4096'] as const;

/** Set in the relaunched child: the fd of its pipe from the waiting parent. */
const PARENT_FD = 'VRAMVNC_PARENT_FD';

/** The flags this process's main isolate lacks. */
export function missingServerV8Flags(execArgv: readonly string[] = process.execArgv): string[] {
  return SERVER_V8_FLAGS.filter((f) => !execArgv.includes(f));
}

/** Worker isolates made from now on get the flags (the flags are per process, read when an isolate is made). */
export function setServerV8FlagsForNewIsolates(): void {
  for (const f of SERVER_V8_FLAGS) v8.setFlagsFromString(f);
}

/**
 * Call before loading the rest of the program (see main.ts). When node was started without the
 * server's V8 flags, run the same script with the same arguments in a child that has them and
 * return true: the caller then loads nothing more; this process waits for the child, passing
 * SIGINT, SIGTERM and SIGHUP on, and exits as it does. Returns false in the child, and when the
 * flags are there already (or VRAMVNC_RELAUNCH=0).
 */
export function relaunchWithServerV8Flags(): boolean {
  setServerV8FlagsForNewIsolates();
  const fd = process.env[PARENT_FD];
  if (fd !== undefined) {
    delete process.env[PARENT_FD];
    watchParent(Number(fd));
    return false;
  }
  const missing = missingServerV8Flags();
  if (missing.length === 0 || process.env.VRAMVNC_RELAUNCH === '0') return false;
  const child = spawn(process.execPath, [...missing, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, [PARENT_FD]: '3' },
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    process.stderr.write(`vramvnc: cannot start node again with ${missing.join(' ')}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
  return true;
}

function watchParent(fd: number): void {
  const s = new net.Socket({ fd, readable: true, writable: false });
  s.on('error', () => {});
  s.on('close', () => process.kill(process.pid, 'SIGTERM'));
  s.resume();
  s.unref();
}
