// A client's side of desktop resizing: its SetDesktopSize (answered at once, or with the resize
// it started: QEMU's ui_info path, the source decides), and the reason it is told when the
// surface changes size (ExtendedDesktopSize: this client, another client, the server).
import { ResizeReason, ResizeStatus } from '../encodings/pseudo.js';
import type { SessionHost } from './host.js';

export class DesktopResize {
  /** This client asked for the resize under way (ExtendedDesktopSize reason 1). */
  requested = false;
  #warned = false;

  constructor(
    private readonly host: Pick<SessionHost, 'surface' | 'resizeDesktop' | 'want' | 'log'>,
    private readonly remoteAddress: string,
  ) {}

  /**
   * SetDesktopSize: the ExtendedDesktopSize status to answer now, or null when there is nothing to
   * answer yet (the client may not ask: it did not announce ExtendedDesktopSize; or the resize is
   * under way and the answer comes with it).
   */
  request(width: number, height: number, screens: number, announced: boolean): number | null {
    if (!announced) {
      // a client may ask only once told it can (rfbproto: after an ExtendedDesktopSize rectangle)
      if (!this.#warned) this.host.log(`${this.remoteAddress} SetDesktopSize ${width}x${height} ignored: the client did not announce ExtendedDesktopSize`);
      this.#warned = true;
      return null;
    }
    const s = this.host.surface;
    if (!this.host.resizeDesktop) return ResizeStatus.Prohibited;
    if (screens === 1 && width === s.width && height === s.height) return ResizeStatus.Ok;
    const status = this.host.resizeDesktop(width, height, screens);
    if (status !== ResizeStatus.Ok) return status;
    // the answer comes with the resize itself (onResize), reason "this client"
    this.requested = true;
    this.host.want();
    return null;
  }

  /** A new surface of the same size: the answer owed to this client's request, if it made one. */
  sameSize(): { reason: number; status: number } | null {
    if (!this.requested) return null;
    this.requested = false;
    return { reason: ResizeReason.ThisClient, status: ResizeStatus.Ok };
  }

  /** The surface changed size to `s`: what the client is told. */
  resized(byOtherClient: boolean): { reason: number; status: number } {
    const reason = this.requested ? ResizeReason.ThisClient : byOtherClient ? ResizeReason.OtherClient : ResizeReason.Server;
    this.requested = false;
    return { reason, status: ResizeStatus.Ok };
  }
}
