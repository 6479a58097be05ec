import type { MmioHandler, VramHost } from './vram-host.js';
export type { MmioHandler } from './vram-host.js';

// Guest-physical memory as the device model sees it: VRAM mapped as the VBE linear framebuffer
// (written directly by the guest, logged page by page by the MMU) plus trapped MMIO windows.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** Guest-physical address of the linear framebuffer (QEMU stdvga's PCI BAR 0 default). */
export const LFB_BASE = 0xe0000000;


interface MmioRegion {
  base: number;
  size: number;
  handler: MmioHandler;
}

export interface MemoryCounters {
  /** Stores that hit no mapping or fell outside VRAM (ignored, as unassigned memory is). */
  unmappedWrites: number;
  unmappedReads: number;
}

/**
 * VRAM and its MMU state. Each 4 KiB page is writable, or write-protected (`wp` bit set): the
 * first store to a protected page faults to the hypervisor (`onWriteFault`), which unprotects it.
 * While the hypervisor logs dirty pages (`dirty` non-null) every store sets its page's bit,
 * as the CPU sets the dirty bit in a page-table entry.
 */
export class GuestMemory implements VramHost {
  readonly vram: Uint8Array;
  readonly vram32: Uint32Array;
  readonly nrPages: number;
  /** Write-protected pages (one bit per page). */
  readonly wp: Uint32Array;
  /** The dirty log while the hypervisor tracks writes, else null. */
  dirty: Uint32Array | null = null;
  /** Called on a store to a write-protected page, before the store completes. */
  onWriteFault: ((pfn: number) => void) | null = null;
  /**
   * The dirty doorbell: called once on the first logged store after armDoorbell(), so the device
   * model learns *that* something changed without polling (the log still says *where*).
   */
  onDoorbell: (() => void) | null = null;
  #doorbellArmed = false;
  readonly counters: MemoryCounters = { unmappedWrites: 0, unmappedReads: 0 };
  #mmio: MmioRegion[] = [];

  /** backing: where VRAM lives if not in a fresh buffer (e.g. page-aligned, for `--tracking hw`). */
  constructor(readonly vramSize: number, backing?: Uint8Array) {
    if (vramSize <= 0 || vramSize % PAGE_SIZE !== 0) throw new RangeError(`VRAM size must be a positive multiple of ${PAGE_SIZE}`);
    if (backing && backing.byteLength !== vramSize) throw new RangeError(`VRAM backing must be ${vramSize} bytes`);
    this.vram = backing ?? new Uint8Array(vramSize);
    this.vram32 = new Uint32Array(this.vram.buffer, this.vram.byteOffset, vramSize >>> 2);
    this.nrPages = vramSize >>> PAGE_SHIFT;
    this.wp = new Uint32Array((this.nrPages + 31) >>> 5);
  }

  /** A store by a device model into VRAM (VgaDevice's VramHost): logged like a guest's `rep stosb`. */
  deviceFill(offset: number, length: number, value: number): void {
    this.fill8(LFB_BASE + offset, length, value);
  }

  mapMmio(base: number, size: number, handler: MmioHandler): void {
    this.#mmio.push({ base, size, handler });
  }

  /** The trapped MMIO windows (for tests that drive whatever is mapped). */
  mmioRanges(): { base: number; size: number }[] {
    return this.#mmio.map((r) => ({ base: r.base, size: r.size }));
  }

  #findMmio(gpa: number): MmioRegion | undefined {
    for (const r of this.#mmio) if (gpa >= r.base && gpa < r.base + r.size) return r;
    return undefined;
  }

  /** The MMU's view of a store to VRAM page pfn: fault if protected, then log it. */
  #touch(pfn: number): void {
    const w = pfn >>> 5;
    const b = 1 << (pfn & 31);
    if (this.wp[w]! & b) {
      this.wp[w]! &= ~b;
      this.onWriteFault?.(pfn);
    }
    const d = this.dirty;
    if (d !== null) {
      d[w]! |= b;
      if (this.#doorbellArmed) {
        this.#doorbellArmed = false;
        this.onDoorbell?.();
      }
    }
  }

  /** Ring the doorbell on the next logged store. */
  armDoorbell(): void {
    this.#doorbellArmed = true;
  }

  /** Touch every page of VRAM offsets [off, off+len). */
  #touchRange(off: number, len: number): void {
    if (len <= 0) return;
    const last = (off + len - 1) >>> PAGE_SHIFT;
    for (let p = off >>> PAGE_SHIFT; p <= last; p++) this.#touch(p);
  }

  /** VRAM offset for an LFB access of len bytes, or -1 if it is not entirely inside VRAM. */
  #vramOffset(gpa: number, len: number): number {
    const off = gpa - LFB_BASE;
    return off >= 0 && off + len <= this.vramSize ? off : -1;
  }

  store8(gpa: number, v: number): void {
    const off = this.#vramOffset(gpa, 1);
    if (off >= 0) {
      this.#touch(off >>> PAGE_SHIFT);
      this.vram[off] = v;
    } else this.#mmioWrite(gpa, 1, v);
  }

  store16(gpa: number, v: number): void {
    const off = this.#vramOffset(gpa, 2);
    if (off >= 0) {
      this.#touchRange(off, 2);
      this.vram[off] = v;
      this.vram[off + 1] = v >>> 8;
    } else this.#mmioWrite(gpa, 2, v);
  }

  store32(gpa: number, v: number): void {
    const off = this.#vramOffset(gpa, 4);
    if (off >= 0) {
      if ((off & 3) === 0) {
        this.#touch(off >>> PAGE_SHIFT);
        this.vram32[off >>> 2] = v;
      } else {
        this.#touchRange(off, 4);
        for (let i = 0; i < 4; i++) this.vram[off + i] = v >>> (8 * i);
      }
    } else this.#mmioWrite(gpa, 4, v);
  }

  load8(gpa: number): number {
    const off = this.#vramOffset(gpa, 1);
    return off >= 0 ? this.vram[off]! : this.#mmioRead(gpa, 1);
  }

  load16(gpa: number): number {
    const off = this.#vramOffset(gpa, 2);
    return off >= 0 ? this.vram[off]! | (this.vram[off + 1]! << 8) : this.#mmioRead(gpa, 2);
  }

  load32(gpa: number): number {
    const off = this.#vramOffset(gpa, 4);
    if (off < 0) return this.#mmioRead(gpa, 4);
    if ((off & 3) === 0) return this.vram32[off >>> 2]!;
    return (this.vram[off]! | (this.vram[off + 1]! << 8) | (this.vram[off + 2]! << 16) | (this.vram[off + 3]! << 24)) >>> 0;
  }

  /** `rep stosd`: store `count` copies of a 32-bit value from gpa. */
  fill32(gpa: number, count: number, v: number): void {
    if (count <= 0) return;
    const off = this.#vramOffset(gpa, count * 4);
    if (off >= 0 && (off & 3) === 0) {
      this.#touchRange(off, count * 4);
      this.vram32.fill(v, off >>> 2, (off >>> 2) + count);
      return;
    }
    for (let i = 0; i < count; i++) this.store32(gpa + i * 4, v);
  }

  /** `rep stosb`. */
  fill8(gpa: number, len: number, v: number): void {
    if (len <= 0) return;
    const off = this.#vramOffset(gpa, len);
    if (off >= 0) {
      this.#touchRange(off, len);
      this.vram.fill(v, off, off + len);
      return;
    }
    for (let i = 0; i < len; i++) this.store8(gpa + i, v);
  }

  /** `rep movsb` within guest memory (memmove semantics). */
  copy(dstGpa: number, srcGpa: number, len: number): void {
    if (len <= 0) return;
    const d = this.#vramOffset(dstGpa, len);
    const s = this.#vramOffset(srcGpa, len);
    if (d >= 0 && s >= 0) {
      this.#touchRange(d, len);
      this.vram.copyWithin(d, s, s + len);
      return;
    }
    const tmp = new Uint8Array(len);
    for (let i = 0; i < len; i++) tmp[i] = this.load8(srcGpa + i);
    for (let i = 0; i < len; i++) this.store8(dstGpa + i, tmp[i]!);
  }

  /** Copy `rows` rows of `rowBytes` from a guest-side buffer to guest memory, `dstStride` apart. */
  blitRows(dstGpa: number, dstStride: number, src: Uint8Array, srcStride: number, rowBytes: number, rows: number): void {
    for (let y = 0; y < rows; y++) {
      const row = src.subarray(y * srcStride, y * srcStride + rowBytes);
      const gpa = dstGpa + y * dstStride;
      const off = this.#vramOffset(gpa, rowBytes);
      if (off >= 0) {
        this.#touchRange(off, rowBytes);
        this.vram.set(row, off);
      } else {
        for (let i = 0; i < row.length; i++) this.store8(gpa + i, row[i]!);
      }
    }
  }

  #mmioWrite(gpa: number, size: 1 | 2 | 4, v: number): void {
    const r = this.#findMmio(gpa);
    if (r) r.handler.write(gpa, size, v);
    else this.counters.unmappedWrites++;
  }

  #mmioRead(gpa: number, size: 1 | 2 | 4): number {
    const r = this.#findMmio(gpa);
    if (r) return r.handler.read(gpa, size);
    this.counters.unmappedReads++;
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
}
