// Small things the command line's help shows: the package version, defaults written as a user types them.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../runtime/package-root.js';

/** The version in the package's package.json ('unknown' when it cannot be read). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A default as it would be typed: 127.0.0.1:5900, not {"host":"127.0.0.1","port":5900}; desktop, not "desktop". */
function plain(v: unknown): string {
  if (v && typeof v === 'object' && 'host' in v && 'port' in v) {
    const { host, port } = v as { host: string; port: number };
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  return String(v);
}

/** Give every option with a default, in every command, a plain default description. */
export function plainDefaults(cmd: Command): void {
  for (const o of cmd.options) {
    if (o.defaultValue !== undefined && o.defaultValueDescription === undefined && typeof o.defaultValue !== 'boolean') o.defaultValueDescription = plain(o.defaultValue);
  }
  for (const c of cmd.commands) plainDefaults(c);
}
