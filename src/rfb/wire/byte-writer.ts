// A growable, chainable big-endian byte writer for outgoing RFB messages.

export class ByteWriter {
  #buf: Buffer;
  #len = 0;

  constructor(initialSize = 256) {
    this.#buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.#len;
  }

  /** Bytes the current buffer can hold before it must grow. */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Make room for n more bytes and return the offset they start at. */
  reserve(n: number): number {
    const need = this.#len + n;
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.#buf.copy(next, 0, 0, this.#len);
      this.#buf = next;
    }
    const at = this.#len;
    this.#len = need;
    return at;
  }

  /** The underlying buffer (valid until the next write); use with reserve() for bulk writes. */
  get raw(): Buffer {
    return this.#buf;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.#buf[at] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    const at = this.reserve(2);
    this.#buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }

  u32(v: number): this {
    const at = this.reserve(4);
    this.#buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  s32(v: number): this {
    const at = this.reserve(4);
    this.#buf.writeInt32BE(v | 0, at);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.#buf.set(b, at);
    return this;
  }

  pad(n: number): this {
    const at = this.reserve(n);
    this.#buf.fill(0, at, at + n);
    return this;
  }

  /** Overwrite a u16 written earlier (e.g. a rectangle count known only at the end). */
  patchU16(at: number, v: number): this {
    this.#buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }

  patchU32(at: number, v: number): this {
    this.#buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }

  /** A view of what was written (shares memory; valid until the next write or reset). */
  view(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }

  reset(): void {
    this.#len = 0;
  }

  /** Keep only the first n bytes (after reserving more than was written). */
  truncate(n: number): void {
    if (n < 0 || n > this.#len) throw new RangeError(`truncate(${n}) of ${this.#len} bytes`);
    this.#len = n;
  }
}
