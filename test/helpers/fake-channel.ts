// An in-memory ByteChannel: feed bytes in (one at a time if asked), read what the session wrote.
import type { ByteChannel } from '../../src/rfb/channel.js';

export class FakeChannel implements ByteChannel {
  readonly remoteAddress = 'fake:1';
  bufferedAmount = 0;
  written: Buffer[] = [];
  closed = false;
  #data: ((b: Buffer) => void)[] = [];
  #close: (() => void)[] = [];
  #drain: (() => void)[] = [];

  write(data: Uint8Array): void {
    this.written.push(Buffer.from(data));
  }

  close(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.#close) cb();
  }

  onData(cb: (b: Buffer) => void): void {
    this.#data.push(cb);
  }

  onClose(cb: () => void): void {
    this.#close.push(cb);
  }

  onDrain(cb: () => void): void {
    this.#drain.push(cb);
  }

  drain(): void {
    this.bufferedAmount = 0;
    for (const cb of this.#drain) cb();
  }

  /** Deliver bytes in chunks of `chunk` bytes (1 = one byte per read, as a slow network does). */
  deliver(bytes: Uint8Array, chunk = bytes.length): void {
    for (let i = 0; i < bytes.length && !this.closed; i += chunk) {
      const piece = Buffer.from(bytes.subarray(i, i + chunk));
      for (const cb of this.#data) cb(piece);
    }
  }

  /** Everything written so far, as one buffer, and forget it. */
  take(): Buffer {
    const all = Buffer.concat(this.written);
    this.written = [];
    return all;
  }
}
