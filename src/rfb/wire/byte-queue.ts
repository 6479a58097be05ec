// Incoming byte framing: a chunk queue with bounded growth, and a bounds-checked reader over it.
import { RfbProtocolError } from '../errors.js';

/**
 * Owns the chunks received from a transport. Parsers peek at the head without consuming,
 * and consume only once a whole message is there (noVNC's rQwait; ws Receiver.consume).
 */
export class ByteQueue {
  #chunks: Buffer[] = [];
  /** Bytes of #chunks[0] already consumed (skipping moves this, it makes no new view). */
  #off = 0;
  #length = 0;
  /** Where small chunks are copied together, so a trickle of 1-byte reads cannot pile up objects. */
  #block: Buffer | null = null;
  #blockUsed = 0;

  constructor(readonly maxBuffered = 4 * 1024 * 1024) {}

  get length(): number {
    return this.#length;
  }

  /** Chunks held (for tests: bounded by length / SMALL_CHUNK, whatever the read sizes). */
  get chunkCount(): number {
    return this.#chunks.length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#length + chunk.length > this.maxBuffered) {
      throw new RfbProtocolError('RFB_ERR_MESSAGE_TOO_LARGE', `receive buffer would exceed ${this.maxBuffered} bytes`);
    }
    this.#length += chunk.length;
    if (chunk.length < SMALL_CHUNK) {
      this.#append(chunk);
      return;
    }
    this.#block = null;
    this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }

  /** Copy a small chunk onto the end of the last block (extending its view), or into a new block. */
  #append(chunk: Uint8Array): void {
    const block = this.#block;
    const last = this.#chunks[this.#chunks.length - 1];
    if (
      block !== null && last !== undefined && this.#blockUsed + chunk.length <= block.length &&
      last.buffer === block.buffer && last.byteOffset + last.length === block.byteOffset + this.#blockUsed
    ) {
      block.set(chunk, this.#blockUsed);
      const start = last.byteOffset - block.byteOffset;
      this.#blockUsed += chunk.length;
      this.#chunks[this.#chunks.length - 1] = block.subarray(start, this.#blockUsed);
      return;
    }
    const fresh = Buffer.allocUnsafeSlow(BLOCK_SIZE);
    fresh.set(chunk, 0);
    this.#block = fresh;
    this.#blockUsed = chunk.length;
    this.#chunks.push(fresh.subarray(0, chunk.length));
  }

  /** The first n bytes as one contiguous buffer, copying only when they straddle chunks. */
  peek(n: number): Buffer {
    if (n > this.#length) throw new RangeError(`peek(${n}) with ${this.#length} buffered`);
    const head = this.#chunks[0];
    const off = this.#off;
    if (head === undefined) return Buffer.alloc(0); // n is 0
    if (head.length - off >= n) return head.subarray(off, off + n);
    // merge just the chunks that cover n bytes
    let k = 0;
    let have = -off;
    while (have < n) have += this.#chunks[k++]!.length;
    const parts = this.#chunks.slice(0, k);
    parts[0] = parts[0]!.subarray(off);
    const merged = Buffer.concat(parts, have);
    this.#chunks.splice(0, k, merged);
    this.#off = 0;
    return merged.subarray(0, n);
  }

  /** Byte i of the queue (i < length), read in place: no copy, no new view. */
  byteAt(i: number): number {
    i += this.#off;
    for (const c of this.#chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    throw new RangeError(`byteAt(${i}) with ${this.#length} buffered`);
  }

  /** Big-endian u16 at byte i, read in place. */
  u16At(i: number): number {
    return (this.byteAt(i) << 8) | this.byteAt(i + 1);
  }

  /** Remove and return the first n bytes. */
  consume(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    if (n > this.#length) throw new RangeError(`skip(${n}) with ${this.#length} buffered`);
    this.#length -= n;
    while (n > 0) {
      const left = this.#chunks[0]!.length - this.#off;
      if (left <= n) {
        n -= left;
        this.#chunks.shift();
        this.#off = 0;
      } else {
        this.#off += n;
        n = 0;
      }
    }
    if (this.#chunks.length === 0) this.#block = null;
  }

  clear(): void {
    this.#chunks = [];
    this.#off = 0;
    this.#length = 0;
    this.#block = null;
  }
}

/** Reads shorter than this are copied into shared blocks of BLOCK_SIZE bytes. */
const SMALL_CHUNK = 1024;
const BLOCK_SIZE = 16 * 1024;

/** A bounds-checked big-endian reader over one message's bytes (pg-protocol BufferReader). */
export class ByteReader {
  #off = 0;
  constructor(readonly buf: Uint8Array) {}

  get offset(): number {
    return this.#off;
  }

  get remaining(): number {
    return this.buf.length - this.#off;
  }

  #need(n: number): void {
    if (this.#off + n > this.buf.length) {
      throw new RfbProtocolError('RFB_ERR_TRUNCATED', `message truncated: need ${n} bytes at offset ${this.#off}`);
    }
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.#off++]!;
  }

  u16(): number {
    this.#need(2);
    const b = this.buf;
    const v = (b[this.#off]! << 8) | b[this.#off + 1]!;
    this.#off += 2;
    return v;
  }

  u32(): number {
    return this.s32() >>> 0;
  }

  s32(): number {
    this.#need(4);
    const b = this.buf;
    const o = this.#off;
    this.#off += 4;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.buf.subarray(this.#off, this.#off + n);
    this.#off += n;
    return out;
  }

  skip(n: number): void {
    this.#need(n);
    this.#off += n;
  }
}
