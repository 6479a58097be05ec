// vramvnc's VGA device inside v86: the device's ports and legacy window registered on v86's I/O
// bus (replacing v86's own VGA handlers), and VRAM = v86's linear framebuffer memory inside its
// WebAssembly memory, where guest LFB stores land without ever reaching JavaScript.
import type { PortBus } from '../../hypervisor/io.js';
import type { MmioHandler, VramHost } from '../../hypervisor/vram-host.js';
import type { V86Cpu } from './internals.js';

/** VRAM in v86's WebAssembly memory. Views are re-derived when the memory grew (growth detaches them). */
export class V86Vram implements VramHost {
  #u8: Uint8Array | null = null;
  #u32: Uint32Array | null = null;
  /** Called for stores the device itself makes (v86's dirty log only sees the guest's). */
  onDeviceWrite: ((offset: number, length: number) => void) | null = null;

  constructor(readonly cpu: V86Cpu, readonly byteOffset: number, readonly vramSize: number) {}

  #refresh(): void {
    const buf = this.cpu.wasm_memory.buffer;
    if (this.#u8 !== null && this.#u8.buffer === buf) return;
    this.#u8 = new Uint8Array(buf, this.byteOffset, this.vramSize);
    this.#u32 = new Uint32Array(buf, this.byteOffset, this.vramSize >>> 2);
  }

  get vram(): Uint8Array {
    this.#refresh();
    return this.#u8!;
  }

  get vram32(): Uint32Array {
    this.#refresh();
    return this.#u32!;
  }

  deviceFill(offset: number, length: number, value: number): void {
    this.vram.fill(value, offset, offset + length);
    this.onDeviceWrite?.(offset, length);
  }

  mapMmio(base: number, size: number, handler: MmioHandler): void {
    this.cpu.io.mmap_register(
      base,
      size,
      (addr: number) => handler.read(addr, 1),
      (addr: number, v: number) => handler.write(addr, 1, v),
      (addr: number) => handler.read(addr, 4) | 0,
      (addr: number, v: number) => handler.write(addr, 4, v >>> 0),
    );
  }
}

/**
 * Register every port our devices claim on the PortBus with v86's I/O bus, for 8, 16 and 32-bit
 * accesses (v86 does not split wide accesses; a 32-bit one becomes two 16-bit ones, low port first).
 */
export function bridgePorts(bus: PortBus, cpu: V86Cpu, ports: readonly number[] = bus.registeredPorts()): void {
  const owner = {};
  for (const port of ports) {
    cpu.io.register_read(
      port,
      owner,
      () => bus.inb(port),
      () => bus.inw(port),
      () => (bus.inw(port) | (bus.inw(port + 2) << 16)) | 0,
    );
    cpu.io.register_write(
      port,
      owner,
      (v: number) => bus.outb(port, v),
      (v: number) => bus.outw(port, v),
      (v: number) => {
        bus.outw(port, v & 0xffff);
        bus.outw(port + 2, v >>> 16);
      },
    );
  }
}
