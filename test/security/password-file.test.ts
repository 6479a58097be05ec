import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePasswordFile, readPasswordFile } from '../../src/rfb/security/password-file.js';
import { obfuscatePassword } from '../../src/rfb/security/vnc-auth.js';

describe('password files', () => {
  it('reads the first line of a text file', () => {
    const p = parsePasswordFile(Buffer.from('s3cret\nsecond line\n'));
    expect(p.password.toString()).toBe('s3cret');
    expect(p.format).toBe('text');
    expect(p.warnings).toEqual([]);
  });

  it('strips a CRLF line end and accepts a file without a newline', () => {
    expect(parsePasswordFile(Buffer.from('abc\r\n')).password.toString()).toBe('abc');
    expect(parsePasswordFile(Buffer.from('abcdefgh')).password.toString()).toBe('abcdefgh');
  });

  it('warns (without quoting it) that only 8 bytes of a long password count', () => {
    const p = parsePasswordFile(Buffer.from('averylongpassword\n'), 'pw.txt');
    expect(p.warnings).toEqual(['pw.txt: VNC Authentication uses only the first 8 bytes of the password']);
    expect(p.warnings.join()).not.toContain('averylong');
  });

  it('reads a vncpasswd file, and ignores a view-only password after it', () => {
    expect(parsePasswordFile(obfuscatePassword(Buffer.from('password')))).toMatchObject({ format: 'vncpasswd' });
    expect(parsePasswordFile(obfuscatePassword(Buffer.from('password'))).password.toString()).toBe('password');
    const both = Buffer.concat([obfuscatePassword(Buffer.from('full')), obfuscatePassword(Buffer.from('view'))]);
    const p = parsePasswordFile(both, 'f');
    expect(p.password.toString()).toBe('full');
    expect(p.warnings[0]).toContain('view-only');
  });

  it('refuses an empty first line and binary junk', () => {
    expect(() => parsePasswordFile(Buffer.from('\nx\n'), 'f')).toThrow('f: the first line (the password) is empty');
    expect(() => parsePasswordFile(Buffer.from([0, 1, 2, 3, 4]), 'f')).toThrow('f: neither a text file nor a vncpasswd file');
  });

  it('reads from disk, and names a missing file without throwing its contents around', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-pw-'));
    fs.writeFileSync(path.join(dir, 'pw'), 'hunter2\n');
    expect(readPasswordFile(path.join(dir, 'pw')).password.toString()).toBe('hunter2');
    expect(() => readPasswordFile(path.join(dir, 'missing'))).toThrow(`cannot read --password-file ${path.join(dir, 'missing')}: ENOENT`);
    fs.rmSync(dir, { recursive: true });
  });
});
