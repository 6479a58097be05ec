// --password-file: a text file whose first line is the password, or a file written by TigerVNC's
// vncpasswd (8 bytes: the password DES-"obfuscated" with a fixed key; 16 with a view-only one).
import fs from 'node:fs';
import { deobfuscatePassword, VNC_PASSWORD_MAX } from './vnc-auth.js';

export interface LoadedPassword {
  password: Buffer;
  format: 'text' | 'vncpasswd';
  /** Non-fatal remarks for the log (never the password itself). */
  warnings: string[];
}

const isText = (b: number) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80;

/** A plausible deobfuscated password: at least one character, no control bytes. */
function plausible(pw: Buffer): boolean {
  return pw.length > 0 && pw.every((b) => b >= 0x20 && b !== 0x7f);
}

/** Parse a password file's bytes; throws a readable error (that never quotes the file). */
export function parsePasswordFile(bytes: Buffer, name = 'password file'): LoadedPassword {
  const warnings: string[] = [];
  const textLike = bytes.every((b) => isText(b) || b === 0x0a || b === 0x0d);
  if ((bytes.length === 8 || bytes.length === 16) && !textLike) {
    const pw = deobfuscatePassword(bytes.subarray(0, 8));
    if (!plausible(pw)) throw new Error(`${name}: 8 binary bytes that are not a vncpasswd password`);
    if (bytes.length === 16) warnings.push(`${name}: the view-only password in it is ignored (view-only sessions are not supported)`);
    return { password: pw, format: 'vncpasswd', warnings };
  }
  if (!textLike) throw new Error(`${name}: neither a text file nor a vncpasswd file`);
  const nl = bytes.indexOf(0x0a);
  let line = nl < 0 ? bytes : bytes.subarray(0, nl);
  if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
  if (line.length === 0) throw new Error(`${name}: the first line (the password) is empty`);
  if (line.length > VNC_PASSWORD_MAX) {
    warnings.push(`${name}: VNC Authentication uses only the first ${VNC_PASSWORD_MAX} bytes of the password`);
  }
  return { password: Buffer.from(line), format: 'text', warnings };
}

export function readPasswordFile(path: string): LoadedPassword {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read --password-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parsePasswordFile(bytes, path);
  } finally {
    bytes.fill(0);
  }
}
