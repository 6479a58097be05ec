// Test helper: a small 320x240x32 guest (cheap full frames), and a way to paint on it from the test.
import { Fb32, setVbeMode, type GuestProgram } from '../../src/guest/guest.js';
import type { GuestMemory } from '../../src/hypervisor/memory.js';

export const TINY_W = 320;
export const TINY_H = 240;

export const tinyGuest: GuestProgram = {
  name: 'tiny',
  start(ctx) {
    setVbeMode(ctx.io, TINY_W, TINY_H, 32);
    const fb = new Fb32(ctx.mem, TINY_W, TINY_H);
    for (let y = 0; y < TINY_H; y += 16) for (let x = 0; x < TINY_W; x += 16) fb.fillRect(x, y, 16, 16, ((x * 0x0301) ^ (y * 0x010203)) & 0xffffff);
  },
};

/** A guest store of a filled rectangle (as the guest's own drawing code would do). */
export function paint(mem: GuestMemory, x: number, y: number, w: number, h: number, rgb: number): void {
  new Fb32(mem, TINY_W, TINY_H).fillRect(x, y, w, h, rgb);
}
