// QEMU Extended Key Event: the server confirms the pseudo-encoding (as QEMU does) so that noVNC
// sends keycodes, and the keycodes reach the guest's keyboard controller as set-1 scancodes.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { startApp } from '../helpers/app.js';

let app: VramVnc | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

class Peer {
  buf = Buffer.alloc(0);
  #wake: (() => void) | null = null;
  constructor(readonly s: net.Socket) {
    s.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.#wake?.();
    });
  }
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n) await new Promise<void>((r) => (this.#wake = r));
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

describe('QEMU Extended Key Event', () => {
  it('is confirmed with a pseudo-rectangle, then keycodes become scancodes at port 0x60', async () => {
    app = await startApp(idleGuest);
    const url = new URL(app.vncUrl!);
    const s = net.connect(Number(url.port), url.hostname);
    const p = new Peer(s);
    await p.read(12);
    s.write('RFB 003.008\n');
    await p.read(2);
    s.write(Buffer.from([1]));
    await p.read(4);
    s.write(Buffer.from([1]));
    const init = await p.read(24);
    await p.read(init.readUInt32BE(20));
    // SetEncodings [Raw, QEMU Extended Key Event (-258)]
    const enc = Buffer.alloc(12);
    enc.writeUInt8(2, 0);
    enc.writeUInt16BE(2, 2);
    enc.writeInt32BE(0, 4);
    enc.writeInt32BE(-258, 8);
    s.write(enc);
    s.write(Buffer.from([3, 1, 0, 0, 0, 0, 0, 1, 0, 1])); // incremental request: nothing changed
    const hdr = await p.read(4);
    expect(hdr[0]).toBe(0);
    expect(hdr.readUInt16BE(2)).toBe(1);
    const rect = await p.read(12);
    expect([rect.readUInt16BE(4), rect.readUInt16BE(6), rect.readInt32BE(8)]).toEqual([0, 0, -258]);
    // QEMU client message 255, submessage 0: down, keysym Up (0xff52), keycode 0xc8 (0xE0 0x48)
    const key = Buffer.alloc(12);
    key.writeUInt8(255, 0);
    key.writeUInt8(0, 1);
    key.writeUInt16BE(1, 2);
    key.writeUInt32BE(0xff52, 4);
    key.writeUInt32BE(0xc8, 8);
    s.write(key);
    for (let i = 0; i < 100 && app.kbc.queued < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(app.io.inb(0x64) & 1).toBe(1);
    expect([app.io.inb(0x60), app.io.inb(0x60)]).toEqual([0xe0, 0x48]);
    expect(app.input.events.at(-1)).toEqual({ kind: 'key', down: true, keysym: 0xff52, keycode: 0xc8 });
    s.destroy();
  });
});
