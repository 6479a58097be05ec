// Hostile register and memory traffic: never a crash, never a read outside VRAM, and after every
// refresh the incrementally kept surface equals the ground truth rendered from VRAM + registers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countDiff } from '../helpers/app.js';
import { bareDevice, surfaceRgba } from './helpers.js';

type Op =
  | { k: 'out'; port: number; v: number }
  | { k: 'outw'; port: number; v: number }
  | { k: 'store'; addr: number; v: number }
  | { k: 'load'; addr: number }
  | { k: 'vbe'; i: number; v: number }
  | { k: 'time'; ms: number }
  | { k: 'mode'; m: number }
  | { k: 'update' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('out' as const), port: fc.integer({ min: 0x3b0, max: 0x3df }), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('outw' as const), port: fc.constantFrom(0x3c4, 0x3ce, 0x3d4, 0x3b4, 0x3c0), v: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ k: fc.constant('store' as const), addr: fc.integer({ min: 0xa0000, max: 0xbffff }), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('load' as const), addr: fc.integer({ min: 0xa0000, max: 0xbffff }) }),
  fc.record({ k: fc.constant('vbe' as const), i: fc.integer({ min: 0, max: 12 }), v: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 8, 15, 16, 24, 32, 0x41, 0x61, 320, 640, 480)) }),
  fc.record({ k: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 2000 }) }),
  fc.record({ k: fc.constant('mode' as const), m: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ k: 'update' as const }),
);

describe('hostile guests', () => {
  it('random register, window and VBE traffic never crashes and the surface always equals the truth', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const d = bareDevice(1);
        for (const o of ops) {
          switch (o.k) {
            case 'out':
              d.io.outb(o.port, o.v);
              break;
            case 'outw':
              d.io.outw(o.port, o.v);
              break;
            case 'store':
              d.mem.store8(o.addr, o.v);
              break;
            case 'load':
              d.mem.load8(o.addr);
              break;
            case 'vbe':
              d.io.outw(0x1ce, o.i);
              d.io.outw(0x1cf, o.v);
              break;
            case 'time':
              d.clock.ms += o.ms;
              break;
            case 'mode':
              [() => d.bios.setMode03(), () => d.bios.setMode13(), () => d.bios.setMode12(), () => d.bios.setMode03x50()][o.m]!();
              break;
            case 'update':
              d.device.update();
              expect(countDiff(surfaceRgba(d.device.surface), surfaceRgba(d.device.screenshot()))).toBe(0);
          }
        }
        d.device.update();
        expect(countDiff(surfaceRgba(d.device.surface), surfaceRgba(d.device.screenshot()))).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});
