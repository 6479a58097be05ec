// Exact dirty bookkeeping for VRAM written through the trapped legacy window: one bit per 32-bit
// VRAM word (one planar address, or four chain-4 pixels). The device model sees every such store,
// so this needs no help from the hypervisor.

export class VramDirty {
  readonly bits: Uint32Array;
  /** Lowest and highest dirty word since the last clear (-1 when clean). */
  min = -1;
  max = -1;

  constructor(readonly vramSize: number) {
    this.bits = new Uint32Array(Math.ceil(vramSize / 4 / 32));
  }

  get any(): boolean {
    return this.min >= 0;
  }

  /** Mark VRAM bytes [off, off+len). */
  mark(off: number, len = 1): void {
    const w0 = off >>> 2;
    const w1 = (off + len - 1) >>> 2;
    for (let w = w0; w <= w1; w++) this.bits[w >>> 5]! |= 1 << (w & 31);
    if (this.min < 0 || w0 < this.min) this.min = w0;
    if (w1 > this.max) this.max = w1;
  }

  /**
   * The first and last dirty word within VRAM bytes [off, off+len), as byte offsets relative to
   * off ([-1, -1] when clean).
   */
  span(off: number, len: number): [number, number] {
    if (this.min < 0 || len <= 0) return [-1, -1];
    const w0 = Math.max(off >>> 2, this.min);
    const w1 = Math.min((off + len - 1) >>> 2, this.max);
    let first = -1;
    let last = -1;
    for (let w = w0; w <= w1; w++) {
      const word = this.bits[w >>> 5]!;
      if (word === 0) {
        w |= 31; // skip the rest of this bitmap word
        continue;
      }
      if (word & (1 << (w & 31))) {
        if (first < 0) first = w;
        last = w;
      }
    }
    if (first < 0) return [-1, -1];
    return [Math.max(0, first * 4 - off), Math.min(len, last * 4 + 4 - off)];
  }

  /** Whether any word of 4 KiB page pfn is dirty. */
  pageDirty(pfn: number): boolean {
    const w0 = pfn << 10; // 1024 words per page = 32 bitmap words
    if (this.min < 0 || w0 + 1023 < this.min || w0 > this.max) return false;
    for (let i = w0 >>> 5; i < (w0 >>> 5) + 32; i++) if (this.bits[i]) return true;
    return false;
  }

  clear(): void {
    if (this.min < 0) return;
    this.bits.fill(0, this.min >>> 5, (this.max >>> 5) + 1);
    this.min = -1;
    this.max = -1;
  }
}
