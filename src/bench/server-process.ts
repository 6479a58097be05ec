// Start `vramvnc serve` as a child process on ephemeral loopback ports, for benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  vnc: string;
  web: string;
  stats(): Promise<any>;
  stop(): Promise<void>;
}

export function startServerProcess(args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--no-memory-reducer', MAIN, 'serve', '--quiet', '--vnc', '127.0.0.1:0', '--web', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
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
          stop: () =>
            new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err.trim()}`)));
  });
}
