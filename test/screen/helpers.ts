// Helpers for the screen-test suites: QEMU as an outside VNC server, our guests, doctored needles.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { copyImage, fillRect, type Rect } from '../../client/screen/image.js';
import type { Needle } from '../../client/screen/needle.js';

export interface Qemu {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start QEMU with no disk (SeaBIOS' text screen) and its VNC server on the first free display from 0
 * to 99 on loopback (QEMU's own `to=` search, so parallel runs cannot collide); resolves with the URL
 * QEMU reports.
 */
export function startQemu(extra: string[] = [], vncOptions = '', opts: { binary?: string; defaults?: boolean } = {}): Promise<Qemu> {
  const binary = opts.binary ?? 'qemu-system-x86_64';
  const args = ['-display', 'none', ...(opts.defaults ? ['-nic', 'none'] : ['-nodefaults']), '-vga', 'std', '-monitor', 'none', '-serial', 'none', '-vnc', `127.0.0.1:0,to=99${vncOptions}`, ...extra];
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`QEMU did not report its VNC port within 20 s: ${out}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /VNC server running on ([\d.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `vnc://${m[1]}:${m[2]}`, proc, stop });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${binary} (apt-get install qemu-system-x86): ${err.message}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`QEMU exited with ${code} before reporting its VNC port: ${out}`));
    });
  });
}

/** A copy of a needle with part of its picture painted over: it should no longer match. */
export function doctor(n: Needle, r: Rect, rgb = 0xffffff, name = `${n.name}-doctored`): Needle {
  const image = copyImage(n.image);
  fillRect(image, r, rgb);
  return { ...n, name, image, area: n.area.map((a) => ({ ...a })) };
}

export interface Xvnc {
  url: string;
  stop(): Promise<void>;
}

/** A loopback port nobody listens on right now (Xvnc cannot pick its own and report it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start TigerVNC's Xvnc (Debian's tigervnc-standalone-server) with the classic X root weave and the X
 * cursor drawn into the framebuffer, on a free display (-displayfd) and a free loopback port.
 */
export async function startXvnc(args: string[]): Promise<Xvnc> {
  const port = await freePort();
  const proc = spawn('Xvnc', ['-displayfd', '1', '-retro', '-geometry', '320x200', '-depth', '24', '-rfbport', String(port), '-interface', '127.0.0.1', '-nolisten', 'tcp', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`Xvnc did not start listening within 20 s: ${err}`));
    }, 20_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/Listening for VNC connections/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start Xvnc (apt-get install tigervnc-standalone-server): ${e.message}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvnc exited with ${code}: ${err}`));
    });
  });
  return { url: `vnc://127.0.0.1:${port}`, stop };
}
