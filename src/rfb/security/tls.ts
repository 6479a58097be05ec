// TLS credentials: the X.509 certificate and key from --tls-cert/--tls-key (VeNCrypt X509*,
// wss:// on the web port), and the anonymous-DH context of VeNCrypt's TLS* subtypes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';

export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
  /** Subject and fingerprint for the startup log line (never the key). */
  description: string;
}

/** Read and check a PEM certificate and its key; throws a readable error naming the file. */
export function loadTlsCredentials(certPath: string, keyPath: string): TlsCredentials {
  const read = (p: string, flag: string) => {
    try {
      return fs.readFileSync(p);
    } catch (err) {
      throw new Error(`cannot read ${flag} ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const cert = read(certPath, '--tls-cert');
  const key = read(keyPath, '--tls-key');
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(cert);
  } catch {
    throw new Error(`--tls-cert ${certPath} is not a PEM certificate`);
  }
  let priv: crypto.KeyObject;
  try {
    priv = crypto.createPrivateKey(key);
  } catch {
    throw new Error(`--tls-key ${keyPath} is not a PEM private key (or it is encrypted)`);
  }
  if (!x509.checkPrivateKey(priv)) throw new Error(`--tls-key ${keyPath} does not belong to the certificate in ${certPath}`);
  const description = `${x509.subject.replace(/\n/g, ', ')}, SHA-256 ${x509.fingerprint256}, valid to ${x509.validTo}`;
  return { cert, key, description };
}

/** The context for VeNCrypt X509* subtypes (and https/wss with the same options). */
export function x509Context(c: TlsCredentials): tls.SecureContext {
  return tls.createSecureContext({ cert: c.cert, key: c.key, minVersion: 'TLSv1.2' });
}

/**
 * Anonymous Diffie-Hellman for VeNCrypt's TLS* subtypes: encrypted, but unauthenticated (open to
 * a man in the middle); TLS 1.3 has no anonymous suites, so this is TLS 1.2 only.
 */
export function anonymousContext(): tls.SecureContext {
  return tls.createSecureContext({
    ciphers: 'aNULL:!eNULL:@SECLEVEL=0',
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    dhparam: 'auto',
    ecdhCurve: 'auto',
  });
}
