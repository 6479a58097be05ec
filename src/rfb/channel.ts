// The byte channel every RFB session runs over, whatever carries it (TCP, WebSocket, TLS).
import type tls from 'node:tls';

export interface ByteChannel {
  /** "address:port" of the peer, for logs. */
  readonly remoteAddress: string;
  /** Bytes handed to write() and not yet passed to the kernel. */
  readonly bufferedAmount: number;
  /**
   * Queue data; `written` (optional) is called once the transport no longer refers to it (its
   * bytes went to the kernel), so that its buffer may be reused.
   */
  write(data: Uint8Array, written?: () => void): void;
  /** Close after flushing what was written. */
  close(): void;
  /** Drop the connection now. */
  destroy(): void;
  onData(cb: (chunk: Buffer) => void): void;
  onClose(cb: () => void): void;
  /** Called when the written data has been flushed. */
  onDrain(cb: () => void): void;
  /**
   * Continue over TLS as the server on the same connection (VeNCrypt); resolves once the TLS
   * handshake is done. From then on onData/write carry the plaintext. Optional: transports
   * that cannot (or are already encrypted, like wss://) leave it out.
   */
  startTls?(context: tls.SecureContext): Promise<void>;
}
