// The decoder interface of the headless client: one file per encoding (noVNC core/decoders/).
import type { ByteQueue } from '../../../src/rfb/wire/byte-queue.js';
import type { RectHeader } from '../../../src/rfb/wire/server-messages.js';
import type { ClientFramebuffer } from '../framebuffer.js';

export type { RectHeader };

export interface Decoder {
  /**
   * Decode one rectangle's body from the queue into fb. Returns false, consuming nothing, while
   * the body is not all there yet (noVNC rQwait); true once the rectangle is done.
   */
  decode(rect: RectHeader, q: ByteQueue, fb: ClientFramebuffer): boolean;
  reset?(): void;
}
