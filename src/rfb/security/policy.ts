// Which security types a server offers, and the handler for the one a client picks.
import { AuthBackoff } from './backoff.js';
import { NoneSecurity, type SecurityHandler } from './handler.js';
import { PasswordGate } from './password-gate.js';
import { anonymousContext, x509Context, type TlsCredentials } from './tls.js';
import { VeNCryptSecurity, VeNCryptSubtype, type VeNCryptOffer } from './vencrypt.js';
import { VncAuthSecurity } from './vnc-auth-handler.js';
import { assertDesAvailable } from './des.js';

export const SecurityTypes = { None: 1, VncAuth: 2, VeNCrypt: 19 } as const;

export interface SecurityPolicyOptions {
  /** The VNC password (first 8 bytes used); null: no authentication (security type None). */
  password: Buffer | null;
  /** Certificate and key for VeNCrypt's X509 subtypes. */
  tls: TlsCredentials | null;
  /**
   * Also offer VeNCrypt's anonymous-TLS subtypes (TLSNone/TLSVnc): encrypted, not authenticated.
   * Off unless asked for (serve --anonymous-tls): a client that takes VeNCrypt first and cannot do
   * TLS (noVNC) would find nothing it can use.
   */
  anonymousTls: boolean;
  /** Refuse security types without TLS (None, plain VncAuth) where a TLS one exists. */
  requireTls: boolean;
  /** Every refused password is answered after this delay (ms). */
  failureDelayMs: number;
  backoff: AuthBackoff;
}

export class SecurityPolicy {
  readonly options: SecurityPolicyOptions;
  /** Judges every password (RFB, VeNCrypt's inner VncAuth, and the web port's HTTP Basic). */
  readonly gate: PasswordGate;
  #offersTls: VeNCryptOffer[] = [];
  #vencrypt: VeNCryptOffer[] = [];

  constructor(options: Partial<SecurityPolicyOptions> = {}) {
    this.options = {
      password: null,
      tls: null,
      anonymousTls: false,
      requireTls: false,
      failureDelayMs: 500,
      ...options,
      backoff: options.backoff ?? new AuthBackoff(),
    };
    const o = this.options;
    this.gate = new PasswordGate(o.backoff, o.failureDelayMs);
    if (o.password) {
      assertDesAvailable();
      if (o.password.length === 0) throw new Error('the VNC password is empty');
    }
    const vnc = () => new VncAuthSecurity({ password: o.password!, gate: this.gate });
    const none = () => new NoneSecurity();
    const x509 = o.tls ? x509Context(o.tls) : null;
    const anon = o.anonymousTls ? anonymousContext() : null;
    if (o.password) {
      if (x509) this.#offersTls.push({ subtype: VeNCryptSubtype.X509Vnc, context: x509, inner: vnc });
      if (anon) this.#offersTls.push({ subtype: VeNCryptSubtype.TLSVnc, context: anon, inner: vnc });
    } else {
      if (x509) this.#offersTls.push({ subtype: VeNCryptSubtype.X509None, context: x509, inner: none });
      if (anon) this.#offersTls.push({ subtype: VeNCryptSubtype.TLSNone, context: anon, inner: none });
    }
    // Clients pick the first type in our list that they support (noVNC, TigerVNC, RFB 3.8 §7.1.2), so
    // VeNCrypt goes first for those that do TLS; its subtype list ends with the plain type, which a
    // client that takes VeNCrypt but cannot start TLS (noVNC behind websockify) can still pick.
    if (this.#offersTls.length > 0 && !o.requireTls) {
      this.#vencrypt = [...this.#offersTls, o.password ? { subtype: SecurityTypes.VncAuth, context: null, inner: vnc } : { subtype: SecurityTypes.None, context: null, inner: none }];
    } else {
      this.#vencrypt = this.#offersTls;
    }
  }

  /** Whether a client must know the password. */
  get authenticates(): boolean {
    return this.options.password !== null;
  }

  /** Security types for RFB 3.7/3.8, in order of preference; canTls: the transport can start TLS. */
  types(canTls: boolean): number[] {
    const t: number[] = [];
    const tls = canTls && this.#offersTls.length > 0;
    if (tls) t.push(SecurityTypes.VeNCrypt);
    if (!(tls && this.options.requireTls)) t.push(this.options.password ? SecurityTypes.VncAuth : SecurityTypes.None);
    return t;
  }

  /** RFB 3.3: the server picks (no VeNCrypt there). */
  typeFor33(): number {
    return this.options.password ? SecurityTypes.VncAuth : SecurityTypes.None;
  }

  /** The handler for a type we offered, or null if we did not offer it. */
  create(type: number, canTls: boolean, minor: number): SecurityHandler | null {
    const offered = minor === 3 ? [this.typeFor33()] : this.types(canTls);
    if (!offered.includes(type)) return null;
    switch (type) {
      case SecurityTypes.None:
        return new NoneSecurity();
      case SecurityTypes.VncAuth:
        return new VncAuthSecurity({ password: this.options.password!, gate: this.gate });
      case SecurityTypes.VeNCrypt:
        return new VeNCryptSecurity(this.#vencrypt);
      default:
        return null;
    }
  }
}

/** The policy of a server started without any security options: None only. */
export const OPEN_POLICY = new SecurityPolicy({ anonymousTls: false });

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}
