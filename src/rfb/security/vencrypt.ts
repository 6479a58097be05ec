// Server side of VeNCrypt (security type 19, rfbproto §7.2.19): version 0.2, a list of subtypes,
// then TLS over the same connection, then the inner security (None or VNC Authentication).
import type tls from 'node:tls';
import type { ByteQueue } from '../wire/byte-queue.js';
import { ByteWriter } from '../wire/byte-writer.js';
import type { SecurityContext, SecurityHandler } from './handler.js';

export const VeNCryptSubtype = {
  Plain: 256,
  TLSNone: 257,
  TLSVnc: 258,
  TLSPlain: 259,
  X509None: 260,
  X509Vnc: 261,
  X509Plain: 262,
} as const;

export function vencryptSubtypeName(t: number): string {
  if (t === 1) return 'None';
  if (t === 2) return 'VncAuth';
  for (const [k, v] of Object.entries(VeNCryptSubtype)) if (v === t) return k;
  return `subtype ${t}`;
}

/**
 * One subtype we offer: the TLS context for it (null for a plain subtype, None or VncAuth, which
 * runs without TLS and without an ack byte, as TigerVNC's server lists them), and the inner security.
 */
export interface VeNCryptOffer {
  subtype: number;
  context: tls.SecureContext | null;
  inner: () => SecurityHandler;
}

type Phase = 'Version' | 'Subtype' | 'Tls' | 'Inner' | 'Done';

export class VeNCryptSecurity implements SecurityHandler {
  readonly type = 19;
  readonly name = 'VeNCrypt';
  #phase: Phase = 'Version';
  #inner: SecurityHandler | null = null;

  constructor(readonly offers: readonly VeNCryptOffer[]) {}

  start(ctx: SecurityContext): void {
    ctx.send(Buffer.from([0, 2])); // highest VeNCrypt version: 0.2
  }

  step(q: ByteQueue, ctx: SecurityContext): boolean {
    switch (this.#phase) {
      case 'Version': {
        if (q.length < 2) return false;
        const [major, minor] = q.consume(2);
        if (major !== 0 || minor !== 2) {
          ctx.send(Buffer.from([0xff])); // version refused
          this.#phase = 'Done';
          ctx.fail('VeNCrypt version not supported', `client asked for VeNCrypt ${major}.${minor} (we speak 0.2)`, 'RFB_ERR_UNSUPPORTED_SECURITY');
          return false;
        }
        const w = new ByteWriter(2 + 4 * this.offers.length).u8(0).u8(this.offers.length); // ack, number of subtypes
        for (const o of this.offers) w.u32(o.subtype);
        ctx.send(w.toBuffer());
        this.#phase = 'Subtype';
        return true;
      }
      case 'Subtype': {
        if (q.length < 4) return false;
        const chosen = q.consume(4).readUInt32BE(0);
        const offer = this.offers.find((o) => o.subtype === chosen);
        if (!offer) {
          ctx.send(Buffer.from([0])); // subtype refused
          this.#phase = 'Done';
          ctx.fail('VeNCrypt subtype not offered', `client chose VeNCrypt ${vencryptSubtypeName(chosen)}, which was not offered`, 'RFB_ERR_UNSUPPORTED_SECURITY');
          return false;
        }
        if (!offer.context) {
          // a plain subtype (a client that cannot do TLS, e.g. noVNC behind websockify): no ack, no TLS
          ctx.note(`VeNCrypt ${vencryptSubtypeName(chosen)}`);
          this.#phase = 'Inner';
          this.#inner = offer.inner();
          this.#inner.start(ctx);
          return true;
        }
        if (!ctx.startTls) {
          this.#phase = 'Done';
          ctx.fail('TLS is not available on this transport', 'VeNCrypt chosen on a transport without TLS', 'RFB_ERR_TLS');
          return false;
        }
        if (q.length > 0) {
          // the client must wait for our ack before its TLS ClientHello; bytes now would be lost
          this.#phase = 'Done';
          ctx.fail('protocol error', `${q.length} bytes arrived before the VeNCrypt ack`, 'RFB_ERR_TLS');
          return false;
        }
        ctx.note(`VeNCrypt ${vencryptSubtypeName(chosen)}`);
        ctx.send(Buffer.from([1])); // subtype accepted
        this.#phase = 'Tls';
        ctx.startTls(offer.context).then(
          () => {
            if (this.#phase !== 'Tls') return;
            this.#phase = 'Inner';
            this.#inner = offer.inner();
            this.#inner.start(ctx);
            ctx.resume();
          },
          (err: Error) => {
            if (this.#phase !== 'Tls') return;
            this.#phase = 'Done';
            ctx.fail('TLS handshake failed', `TLS handshake failed: ${err.message}`, 'RFB_ERR_TLS');
          },
        );
        return false;
      }
      case 'Inner':
        return this.#inner!.step(q, ctx);
      default:
        return false;
    }
  }

  dispose(): void {
    this.#phase = 'Done';
    this.#inner?.dispose?.();
  }
}
