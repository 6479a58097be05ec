// Writers for large updates, reused once the transport has passed their bytes on. A full frame is
// megabytes; made anew for each update, the spent ones wait for V8's garbage collector, which
// runs only once some 64 MiB of such memory has piled up (and the C heap may keep it after): a
// client asking for frame after frame would hold the server that much above its base. With the
// pool, a client that reads what it asked for gets the same few buffers again and again.
import { ByteWriter } from './wire/byte-writer.js';

export interface BufferPoolOptions {
  /** Capacity kept in the pool, all writers together. */
  maxBytes: number;
}

/** Writers up to this size are not worth pooling (a session keeps one of its own). */
export const SMALL_WRITER = 256 * 1024;

export class BufferPool {
  readonly options: BufferPoolOptions;
  #free: ByteWriter[] = [];
  #bytes = 0;

  constructor(options: Partial<BufferPoolOptions> = {}) {
    this.options = { maxBytes: 8 * 1024 * 1024, ...options };
  }

  /** Capacity kept now (always <= options.maxBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * A writer for about `want` bytes: the smallest pooled one that holds them, else the largest
   * pooled one (it grows), else a new one of min(want, SMALL_WRITER).
   */
  take(want: number): ByteWriter {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const c = this.#free[i]!.capacity;
      const b = best < 0 ? -1 : this.#free[best]!.capacity;
      if (best < 0 || (c >= want ? b < want || c < b : b < want && c > b)) best = i;
    }
    if (best < 0) return new ByteWriter(Math.min(want, SMALL_WRITER));
    const w = this.#free[best]!;
    this.#free.splice(best, 1);
    this.#bytes -= w.capacity;
    w.reset();
    return w;
  }

  /** A writer whose bytes nobody refers to any more (the transport has passed them on). */
  give(w: ByteWriter): void {
    if (w.capacity <= SMALL_WRITER || this.#free.includes(w)) return;
    // keep the largest: drop smaller ones to make room
    this.#free.sort((a, b) => a.capacity - b.capacity);
    while (this.#free.length > 0 && this.#bytes + w.capacity > this.options.maxBytes && this.#free[0]!.capacity < w.capacity) {
      this.#bytes -= this.#free.shift()!.capacity;
    }
    if (this.#bytes + w.capacity > this.options.maxBytes) return;
    this.#free.push(w);
    this.#bytes += w.capacity;
  }
}
