// A bare device (no server): ports, memory, tracker and a VgaDevice with a clock the test controls.
import { createTracker } from '../../src/hypervisor/dirty-log.js';
import { PortBus } from '../../src/hypervisor/io.js';
import { GuestMemory } from '../../src/hypervisor/memory.js';
import { VgaDevice } from '../../src/vga/vga-device.js';
import { VgaBios } from '../../src/guest/vga-bios.js';
import type { Rgba } from '../helpers/app.js';
import type { Surface } from '../../src/display/surface.js';

export function bareDevice(vramMb = 8) {
  const io = new PortBus();
  const mem = new GuestMemory(vramMb << 20);
  const tracker = createTracker(mem, 'dirty', 2000);
  const clock = { ms: 0 };
  const device = new VgaDevice(mem, io, tracker, { now: () => clock.ms, blinkTimer: false });
  const bios = new VgaBios(io, mem);
  return { io, mem, tracker, device, bios, clock };
}

export function surfaceRgba(s: Surface): Rgba {
  return { width: s.width, height: s.height, data: new Uint8Array(s.toRgba()) };
}
