// Small things the command line's help shows: the package version, defaults written as a user types them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** The version in the package.json above this file (src/cli or dist/src/cli). */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const f = path.join(dir, 'package.json');
    if (fs.existsSync(f)) {
      const pkg = JSON.parse(fs.readFileSync(f, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vramvnc' && pkg.version) return pkg.version;
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
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
