// Other VNC servers measured side by side with ours: QEMU's stdvga + VNC (Debian's
// qemu-system-x86), on SeaBIOS' text screen or on a VBE mode set by a 512-byte boot sector; and
// the floor of a blinking text screen for any Node.js process (node-floor).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SERVER_V8_FLAGS } from '../runtime/v8-flags.js';

export interface PeerProcess {
  name: string;
  child: ChildProcess;
  vnc: string;
  stop(): Promise<void>;
}

/** A free loopback TCP port at or above 5900 (QEMU takes a display number, port - 5900). */
async function freeVncPort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (port >= 5900) return port;
  }
}

/**
 * A boot sector that programs VBE 1024x768x32 with the linear framebuffer through ports
 * 0x1CE/0x1CF, then stops the CPU (cli; hlt): an idle guest on a VBE screen.
 */
export function vbeBootSector(width = 1024, height = 768, bpp = 32): Buffer {
  const code: number[] = [];
  const reg = (index: number, value: number) => {
    code.push(0xba, 0xce, 0x01); // mov dx, 0x1ce
    code.push(0xb8, index & 0xff, index >> 8); // mov ax, index
    code.push(0xef); // out dx, ax
    code.push(0x42); // inc dx  (0x1cf)
    code.push(0xb8, value & 0xff, (value >> 8) & 0xff); // mov ax, value
    code.push(0xef); // out dx, ax
  };
  reg(4, 0); // ENABLE = 0
  reg(1, width);
  reg(2, height);
  reg(3, bpp);
  reg(4, 0x41); // ENABLED | LFB_ENABLED (clears VRAM)
  code.push(0xfa, 0xf4, 0xeb, 0xfd); // cli; hlt; jmp back to hlt
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Start QEMU's VNC server on the given screen: 'text' (SeaBIOS, no disk) or 'vbe' (boot sector). */
export async function startQemu(screen: 'text' | 'vbe'): Promise<PeerProcess> {
  const exe = '/usr/bin/qemu-system-x86_64';
  if (!fs.existsSync(exe)) throw new Error('qemu-system-x86_64 is not installed (Debian package qemu-system-x86)');
  const port = await freeVncPort();
  const args = ['-nodefaults', '-vga', 'std', '-display', 'none', '-vnc', `127.0.0.1:${port - 5900}`, '-m', '64', '-accel', 'tcg'];
  let tmp: string | null = null;
  if (screen === 'vbe') {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-qemu-'));
    const img = path.join(tmp, 'boot.img');
    fs.writeFileSync(img, Buffer.concat([vbeBootSector(), Buffer.alloc(512 * 63)]));
    args.push('-drive', `file=${img},format=raw,if=ide`);
  }
  const child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  // wait until the VNC port answers
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`qemu exited: ${err.trim()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`qemu did not listen on ${port}: ${err.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: `qemu-${screen}`,
    child,
    vnc: `vnc://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

/** What node-floor writes per cursor toggle: the size of our blink update (bench idle counts its writes by it). */
export const NODE_FLOOR_WRITE_BYTES = 38;

/**
 * The floor under any Node.js server of a blinking text screen: a bare `node` (with the server's V8
 * flags) that does only what our server must do per cursor toggle of a 70 Hz VGA text mode (a timer
 * at the next toggle, one write of our update's size to a loopback socket) and nothing else: no RFB, no device.
 * It connects to `port`; the bench reads what it writes.
 */
export function startNodeFloor(port: number): PeerProcess {
  const script = `
    const net = require('node:net');
    const rate = 70.08, bytes = Buffer.alloc(${NODE_FLOOR_WRITE_BYTES}, 1);
    const s = net.connect(${port}, '127.0.0.1', () => {
      s.setNoDelay(true);
      const tick = () => {
        s.write(bytes);
        const now = performance.now();
        const next = (Math.floor((now * rate) / 8000) + 1) * 8000 / rate;
        setTimeout(tick, Math.max(1, Math.ceil(next - now)));
      };
      tick();
    });
    s.on('error', () => process.exit(0));
    s.on('close', () => process.exit(0));`;
  const child = spawn(process.execPath, [...SERVER_V8_FLAGS, '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    name: 'node-floor',
    child,
    vnc: '',
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
