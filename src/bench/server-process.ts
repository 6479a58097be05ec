// Start `vramvnc serve` as a child process on ephemeral loopback ports, for benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SERVER_V8_FLAGS } from '../runtime/v8-flags.js';
import { alive, processTree } from './proc.js';

// dist/src/bench → dist/src/cli/main.js; under vitest (src/bench) the built one
const BESIDE = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const MAIN = fs.existsSync(BESIDE) ? BESIDE : fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/**
 * How the server is started: `node` = `node dist/src/cli/main.js serve` (it then runs itself again
 * with the V8 flags it needs: both processes are measured), `flags` = with those flags on node's
 * command line already (as the bin's shebang and `npm start` do), `bare` = plain node with the
 * relaunch turned off (VRAMVNC_RELAUNCH=0: what the server would cost without its flags).
 */
export const LAUNCHES = ['node', 'flags', 'bare'] as const;
export type Launch = (typeof LAUNCHES)[number];

export interface ServerProcess {
  child: ChildProcess;
  vnc: string;
  web: string;
  stats(): Promise<any>;
  stop(): Promise<void>;
}


export function startServerProcess(args: string[], launch: Launch = 'node'): Promise<ServerProcess> {
  const node = launch === 'flags' ? [...SERVER_V8_FLAGS] : [];
  const child = spawn(process.execPath, [...node, MAIN, 'serve', '--quiet', '--vnc', '127.0.0.1:0', '--web', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: launch === 'bare' ? { ...process.env, VRAMVNC_RELAUNCH: '0' } : process.env,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const vnc = /vnc: listening on (\S+)/.exec(out)?.[1];
      const web = /web: listening on (\S+)/.exec(out)?.[1];
      if (vnc && web) {
        resolve({
          child,
          vnc,
          web,
          stats: async () => (await fetch(`${web}stats`)).json(),
          // the whole tree has gone (a relaunched server stops when its parent does)
          stop: async () => {
            const tree = processTree(child.pid!);
            if (child.exitCode === null) {
              const exited = new Promise((r) => child.once('exit', r));
              child.kill('SIGTERM');
              await exited;
            }
            const deadline = Date.now() + 5000;
            while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            for (const p of tree.filter(alive)) process.kill(p, 'SIGKILL');
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err.trim()}`)));
  });
}
