// Single DES in ECB mode, as VNC Authentication and vncpasswd obfuscation need it (FIPS 46-3).
// OpenSSL 3 moved plain "des-ecb" to the legacy provider, which Node does not load; two-key
// triple DES (EDE) with K1 = K2 computes E_K(D_K(E_K(x))) = E_K(x), which is single DES.
// Where OpenSSL has no DES at all (e.g. a FIPS build), des-fallback.ts does it in TypeScript.
import crypto from 'node:crypto';
import { desEcbJs } from './des-fallback.js';

const CIPHER = 'des-ede-ecb';
let haveOpenSsl: boolean | null = null;

/** Whether OpenSSL does the work (else the TypeScript fallback does). */
export function desBackend(): 'openssl' | 'typescript' {
  haveOpenSsl ??= crypto.getCiphers().includes(CIPHER);
  return haveOpenSsl ? 'openssl' : 'typescript';
}

/** Kept for callers that check at startup: DES is always available (OpenSSL or the fallback). */
export function assertDesAvailable(): void {
  desBackend();
}

function run(encrypt: boolean, key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length !== 8) throw new RangeError(`DES key must be 8 bytes, got ${key.length}`);
  if (data.length % 8 !== 0) throw new RangeError(`DES-ECB data must be a multiple of 8 bytes, got ${data.length}`);
  if (desBackend() === 'typescript') return desEcbJs(encrypt, key, data);
  const k = Buffer.concat([key, key]);
  const c = encrypt ? crypto.createCipheriv(CIPHER, k, null) : crypto.createDecipheriv(CIPHER, k, null);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(data), c.final()]);
  k.fill(0);
  return out;
}

/** DES-ECB encryption of whole 8-byte blocks. The key's parity bits are ignored, as in DES. */
export function desEncryptEcb(key: Uint8Array, data: Uint8Array): Buffer {
  return run(true, key, data);
}

export function desDecryptEcb(key: Uint8Array, data: Uint8Array): Buffer {
  return run(false, key, data);
}
