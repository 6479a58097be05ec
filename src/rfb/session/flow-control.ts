// A session's output side: every byte it sends goes through here, counted against the client's
// caps. Updates are held back while the transport still holds more than maxQueuedBytes
// (backpressure: a client that stops reading costs about one frame, its changes coalesce in its
// dirty region); past maxOutputBytes the client is dropped; a client that takes nothing for
// stallTimeoutMs while updates wait is disconnected.
import type { ByteChannel } from '../channel.js';
import { RfbProtocolError } from '../errors.js';

export interface FlowLimits {
  readonly maxQueuedBytes: number;
  readonly maxOutputBytes: number;
  readonly stallTimeoutMs: number;
}

export class FlowControl {
  #stallTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly channel: ByteChannel,
    private readonly limits: FlowLimits,
    /** bytesSent grows with every send. */
    private readonly counters: { bytesSent: number },
    private readonly fail: (err: RfbProtocolError) => void,
  ) {}

  /** Queue bytes for the client (`written` once the transport has passed them on). */
  send(data: Uint8Array, written?: () => void): void {
    this.counters.bytesSent += data.length;
    this.channel.write(data, written);
    if (this.channel.bufferedAmount > this.limits.maxOutputBytes) {
      this.fail(new RfbProtocolError('RFB_ERR_OUTPUT_OVERFLOW', `more than ${this.limits.maxOutputBytes} bytes queued for a client that does not read`));
    }
  }

  /** Whether a new update may be built now; if not, the client has stallTimeoutMs to take something. */
  mayBuild(): boolean {
    if (this.channel.bufferedAmount <= this.limits.maxQueuedBytes) return true;
    this.#armStallTimer();
    return false; // wait for 'drain'
  }

  /** The transport drained: the client reads. */
  drained(): void {
    this.#clearStallTimer();
  }

  dispose(): void {
    this.#clearStallTimer();
  }

  #armStallTimer(): void {
    if (this.#stallTimer) return;
    const ms = this.limits.stallTimeoutMs;
    const queued = this.channel.bufferedAmount;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = null;
      if (this.channel.bufferedAmount < queued) this.#armStallTimer(); // slow, but reading
      else this.fail(new RfbProtocolError('RFB_ERR_CLIENT_STALLED', `client took no data for ${ms} ms while updates were waiting`));
    }, ms);
    this.#stallTimer.unref();
  }

  #clearStallTimer(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }
}
