// What the VGA device model needs of the machine it sits in: the video RAM and a place to map its
// trapped legacy window. The scripted machine's GuestMemory is one host; v86's WebAssembly memory
// is another. VRAM views may be replaced while the guest runs (WebAssembly memory grows and detaches
// every view): read `vram`/`vram32` at each use, never keep them across guest execution.
/** A trapped MMIO region: every access runs device-model code (e.g. the legacy VGA window). */
export interface MmioHandler {
  read(addr: number, size: 1 | 2 | 4): number;
  write(addr: number, size: 1 | 2 | 4, value: number): void;
}

export interface VramHost {
  /** VRAM size in bytes (a multiple of 4 KiB). */
  readonly vramSize: number;
  /** VRAM as bytes and as 32-bit words (both re-derived when the backing memory moved). */
  readonly vram: Uint8Array;
  readonly vram32: Uint32Array;
  /** A store by the device itself (e.g. clearing VRAM on VBE enable), logged as guest stores are. */
  deviceFill(offset: number, length: number, value: number): void;
  /** Route guest accesses to [base, base+size) to the handler (trapped MMIO). */
  mapMmio(base: number, size: number, handler: MmioHandler): void;
}
