// Where the installed package lives (holding package.json and client/), from src/ or from dist/src/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The package root; throws when there is none above this file. */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'client'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the vramvnc package root');
    dir = up;
  }
  root = dir;
  return dir;
}
