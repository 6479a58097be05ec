import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desBackend, desDecryptEcb, desEncryptEcb } from '../../src/rfb/security/des.js';
import { desEcbJs } from '../../src/rfb/security/des-fallback.js';
import {
  checkVncAuthResponse,
  deobfuscatePassword,
  obfuscatePassword,
  vncAuthKey,
  vncAuthResponse,
} from '../../src/rfb/security/vnc-auth.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('DES-ECB (FIPS 46-3) known answers', () => {
  // FIPS 81 Appendix B (ECB): key 0123456789abcdef, "Now is the time for all "
  it('encrypts the FIPS 81 ECB example', () => {
    const pt = Buffer.from('Now is the time for all ', 'latin1');
    expect(desEncryptEcb(hex('0123456789abcdef'), pt).toString('hex')).toBe('3fa40e8a984d48156a271787ab8883f9893d51ec4b563b53');
    expect(desDecryptEcb(hex('0123456789abcdef'), hex('3fa40e8a984d48156a271787ab8883f9893d51ec4b563b53')).toString('latin1')).toBe(
      'Now is the time for all ',
    );
  });

  // NIST SP 800-17 Table A.1 (variable plaintext, key 01..01) and the textbook worked example
  it.each([
    ['0101010101010101', '8000000000000000', '95f8a5e5dd31d900'],
    ['0101010101010101', '4000000000000000', 'dd7f121ca5015619'],
    ['0101010101010101', '0000000000000001', '166b40b44aba4bd6'],
    ['133457799bbcdff1', '0123456789abcdef', '85e813540f0ab405'],
  ])('key %s, plaintext %s -> %s', (key, pt, ct) => {
    expect(desEncryptEcb(hex(key), hex(pt)).toString('hex')).toBe(ct);
    expect(desDecryptEcb(hex(key), hex(ct)).toString('hex')).toBe(pt);
  });

  it('rejects keys that are not 8 bytes and data that is not whole blocks', () => {
    expect(() => desEncryptEcb(hex('0101'), hex('0000000000000000'))).toThrow(RangeError);
    expect(() => desEncryptEcb(hex('0101010101010101'), hex('00'))).toThrow(RangeError);
  });
});

describe('VNC Authentication', () => {
  it('mirrors the bits of each password byte to form the key', () => {
    expect(vncAuthKey(Buffer.from([0x01, 0x80, 0x03])).toString('hex')).toBe('8001c00000000000');
  });

  it('uses only the first 8 bytes of the password', () => {
    const ch = hex('00112233445566778899aabbccddeeff');
    expect(vncAuthResponse(Buffer.from('12345678'), ch)).toEqual(vncAuthResponse(Buffer.from('123456789abc'), ch));
  });

  it('the response is DES of both challenge halves under the mirrored key', () => {
    const ch = hex('0123456789abcdef0123456789abcdef');
    // "password" mirrored: each byte's bits reversed
    const key = hex('0e86ceceeef64e26');
    const r = vncAuthResponse(Buffer.from('password'), ch);
    expect(r).toEqual(desEncryptEcb(key, ch));
    expect(r.subarray(0, 8)).toEqual(r.subarray(8, 16));
    expect(checkVncAuthResponse(Buffer.from('password'), ch, r)).toBe(true);
    expect(checkVncAuthResponse(Buffer.from('passwore'), ch, r)).toBe(false);
    expect(checkVncAuthResponse(Buffer.from('password'), ch, r.subarray(0, 15))).toBe(false);
  });
});

describe('vncpasswd obfuscation', () => {
  // `printf 'password\npassword\nn\n' | vncpasswd file` (TigerVNC 1.12) writes db d8 3c fd 72 7a 14 58
  it('matches what TigerVNC vncpasswd writes', () => {
    expect(obfuscatePassword(Buffer.from('password')).toString('hex')).toBe('dbd83cfd727a1458');
    expect(deobfuscatePassword(hex('dbd83cfd727a1458')).toString()).toBe('password');
    // `vncpasswd -f <<< secret12`
    expect(deobfuscatePassword(hex('24b5ae4ce15503c6')).toString()).toBe('secret12');
  });

  it('round-trips short passwords (NUL padded)', () => {
    expect(deobfuscatePassword(obfuscatePassword(Buffer.from('ab'))).toString()).toBe('ab');
  });
});

describe('the TypeScript DES fallback', () => {
  it.each([
    ['0101010101010101', '8000000000000000', '95f8a5e5dd31d900'],
    ['0101010101010101', '0000000000000001', '166b40b44aba4bd6'],
    ['133457799bbcdff1', '0123456789abcdef', '85e813540f0ab405'],
    ['0123456789abcdef', '4e6f772069732074', '3fa40e8a984d4815'],
  ])('key %s, plaintext %s -> %s', (key, pt, ct) => {
    expect(desEcbJs(true, hex(key), hex(pt)).toString('hex')).toBe(ct);
    expect(desEcbJs(false, hex(key), hex(ct)).toString('hex')).toBe(pt);
  });

  it('agrees with OpenSSL on random keys and blocks', () => {
    expect(desBackend()).toBe('openssl'); // so the comparison below is between two implementations
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (k, d) => {
        expect(desEcbJs(true, k, d)).toEqual(desEncryptEcb(k, d));
        expect(desEcbJs(false, k, d)).toEqual(desDecryptEcb(k, d));
      }),
      { numRuns: 300, seed: 46 },
    );
  });
});
