// The parts of v86 that are not its public API and that the v86 machine relies on, typed here and
// checked once at start: if a v86 upgrade renamed any of them the machine fails with one line that
// says which, instead of a TypeError deep in a refresh. package.json pins v86's exact version.

export const V86_PINNED_VERSION = '0.5.462';

export interface V86Io {
  register_read(port: number, device: object, r8?: (port: number) => number, r16?: (port: number) => number, r32?: (port: number) => number): void;
  register_write(port: number, device: object, w8?: (v: number) => void, w16?: (v: number) => void, w32?: (v: number) => void): void;
  mmap_register(
    addr: number,
    size: number,
    r8: (addr: number) => number,
    w8: (addr: number, v: number) => void,
    r32?: (addr: number) => number,
    w32?: (addr: number, v: number) => void,
  ): void;
}

export interface V86Cpu {
  io: V86Io;
  wasm_memory: WebAssembly.Memory;
  in_hlt: Uint8Array;
  /** Instructions executed (wraps at 2^32). */
  instruction_counter: Uint32Array;
  devices: { vga: { svga_memory: Uint8Array; vga_memory_size: number } };
  svga_allocate_dest_buffer(words: number): number;
  svga_fill_pixel_buffer(bpp: number, offset: number): void;
  /** Written by svga_fill_pixel_buffer: the first and last VRAM byte of the pages it converted (min = 2^32-1: none). */
  svga_dirty_bitmap_min_offset: Uint32Array;
  svga_dirty_bitmap_max_offset: Uint32Array;
}

/** v86's main-loop object (`emulator.v86`). */
export interface V86Core {
  cpu: V86Cpu;
  running: boolean;
  idle: boolean;
  tick_counter: number;
  do_tick(): void;
  yield(t: number, tick: number): void;
  next_tick(t: number): void;
}

/** A typed view of v86's WebAssembly memory, made again whenever the memory grew (the old one is detached). */
export function wasmView<T extends Uint8Array | Uint32Array>(cpu: Pick<V86Cpu, 'wasm_memory'>, make: (buf: ArrayBuffer) => T): () => T {
  let view: T | null = null;
  return () => {
    const buf = cpu.wasm_memory.buffer;
    if (view === null || view.buffer !== buf) view = make(buf);
    return view;
  };
}

export class V86InternalsError extends Error {
  readonly code = 'V86_INTERNALS_CHANGED';
}

function need(ok: boolean, what: string): void {
  if (!ok) {
    throw new V86InternalsError(
      `v86 internals changed: ${what} is missing (vramvnc is built against v86 ${V86_PINNED_VERSION}; reinstall that exact version with npm ci)`,
    );
  }
}

/** Check everything the machine uses of v86's internals; returns the typed core. */
export function checkV86Internals(emulator: unknown): V86Core {
  const core = (emulator as { v86?: unknown }).v86 as Partial<V86Core> | undefined;
  need(typeof core === 'object' && core !== null, 'emulator.v86');
  const c = core as V86Core;
  for (const m of ['do_tick', 'yield', 'next_tick'] as const) need(typeof c[m] === 'function', `emulator.v86.${m}()`);
  need(typeof c.tick_counter === 'number', 'emulator.v86.tick_counter');
  const cpu = c.cpu as Partial<V86Cpu> | undefined;
  need(typeof cpu === 'object' && cpu !== null, 'emulator.v86.cpu');
  const io = cpu!.io as Partial<V86Io> | undefined;
  for (const m of ['register_read', 'register_write', 'mmap_register'] as const) need(typeof io?.[m] === 'function', `cpu.io.${m}()`);
  need(cpu!.wasm_memory instanceof WebAssembly.Memory, 'cpu.wasm_memory (a WebAssembly.Memory)');
  need(typeof cpu!.in_hlt === 'object' && cpu!.in_hlt !== null && typeof cpu!.in_hlt[0] === 'number', 'cpu.in_hlt');
  need(typeof cpu!.instruction_counter === 'object' && typeof cpu!.instruction_counter?.byteOffset === 'number', 'cpu.instruction_counter');
  for (const m of ['svga_allocate_dest_buffer', 'svga_fill_pixel_buffer'] as const) need(typeof cpu![m] === 'function', `cpu.${m}()`);
  for (const m of ['svga_dirty_bitmap_min_offset', 'svga_dirty_bitmap_max_offset'] as const) need(typeof cpu![m]?.byteOffset === 'number', `cpu.${m}`);
  const vga = cpu!.devices?.vga;
  need(typeof vga === 'object' && vga !== null, 'cpu.devices.vga');
  need(typeof vga!.vga_memory_size === 'number', 'cpu.devices.vga.vga_memory_size');
  need(typeof vga!.svga_memory === 'object' && typeof (vga!.svga_memory as Uint8Array).byteOffset === 'number', 'cpu.devices.vga.svga_memory.byteOffset');
  return c;
}
