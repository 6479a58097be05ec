// Turn the security and limit flags of `vramvnc serve` into server options, refusing unsafe
// combinations with one clear line (the caller exits with status 2).
import type { SharePolicy } from '../rfb/admission.js';
import type { RfbServerOptions } from '../rfb/server.js';
import { readPasswordFile } from '../rfb/security/password-file.js';
import { isLoopback, SecurityPolicy } from '../rfb/security/policy.js';
import { loadTlsCredentials } from '../rfb/security/tls.js';
import { DEFAULT_WEB_SECURITY, type WebSecurityOptions } from '../transport/web-security.js';

export interface SecurityFlags {
  vnc: { host: string; port: number } | null;
  web: { host: string; port: number } | null;
  passwordFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureNoAuth?: boolean;
  anonymousTls?: boolean;
  allowOrigin?: string[];
  allowHost?: string[];
  share?: SharePolicy;
  maxClients: number;
  maxCutText: number;
  maxOutputMb: number;
  handshakeTimeoutMs: number;
}

export interface SecuritySettings {
  rfb: Partial<RfbServerOptions>;
  web: WebSecurityOptions;
}

export function securityFromFlags(f: SecurityFlags, log: (line: string) => void): SecuritySettings {
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  const password = f.passwordFile !== undefined ? readPasswordFile(f.passwordFile) : null;
  if (password) for (const w of password.warnings) log(w);
  if (!password && !f.insecureNoAuth) {
    // an endpoint given as "off" arrives as null or '' from commander
    const exposed = [f.vnc, f.web].filter((e) => !!e && typeof e === 'object' && !isLoopback(e.host)).map((e) => e!.host);
    if (exposed.length > 0) {
      throw new Error(`refusing to listen on ${exposed[0]} without a password: give --password-file, or --insecure-no-auth to allow anyone who can reach it`);
    }
  }
  const tls = f.tlsCert !== undefined ? loadTlsCredentials(f.tlsCert, f.tlsKey!) : null;
  if (tls) log(`TLS certificate: ${tls.description}`);
  const policy = new SecurityPolicy({ password: password?.password ?? null, tls, anonymousTls: !!f.anonymousTls });
  return {
    rfb: {
      security: policy,
      maxClients: f.maxClients,
      share: f.share ?? 'allow-exclusive',
      maxCutText: f.maxCutText,
      maxOutputBytes: f.maxOutputMb * 1024 * 1024,
      handshakeTimeoutMs: f.handshakeTimeoutMs,
      // a ClientCutText of the largest allowed size must fit in the receive buffer
      maxReceiveBuffer: Math.max(4 * 1024 * 1024, f.maxCutText + 64 * 1024),
    },
    web: {
      ...DEFAULT_WEB_SECURITY,
      allowOrigins: f.allowOrigin ?? [],
      allowHosts: f.allowHost ?? [],
      handshakeTimeoutMs: f.handshakeTimeoutMs,
      tls,
      password: password?.password ?? null,
    },
  };
}
