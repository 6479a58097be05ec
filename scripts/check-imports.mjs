#!/usr/bin/env node
// Import graph of src/ and client/ (type-only imports included): fails on any cycle and on any
// import against the layer direction, and lists files over the size limit.
// Usage: node scripts/check-imports.mjs [--max-lines N] [--root DIR]
//
// The layers follow the data flow (docs/ARCHITECTURE.md): hypervisor <- vga -> display <- rfb <-
// transport, each importing only the layers below it; src/app.ts is the one composition root that
// imports all five. Beside them: runtime (process helpers, usable everywhere), input (the i8042 and
// PS/2 devices), guest (scripted guest programs) and machine (who runs the guest). On top: the
// library entry (src/index.ts), the CLI and the benchmarks. client/ (the viewer, the headless
// client, screen tests) is a separate program of the same protocol: it imports the wire module
// (src/rfb/wire/: messages both ways, pixel formats, encoding numbers, the zlib streams, keysyms),
// the display's plain types and PNG writer, and VNC Authentication's DES response; nothing in
// src/ imports client/ but the CLI and the benchmarks.
import fs from 'node:fs';
import path from 'node:path';

const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const root = path.resolve(arg('--root') ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..'));
const maxLines = Number(arg('--max-lines')) || 0;

/** The five layers of the data flow, and what each may import besides itself and runtime. */
const CHAIN = ['hypervisor', 'vga', 'display', 'rfb', 'transport'];
const ALLOWED = {
  runtime: [],
  hypervisor: [],
  display: [],
  vga: ['hypervisor', 'display'],
  rfb: ['display'],
  transport: ['rfb', 'display', 'input'],
  input: ['hypervisor', 'rfb'],
  guest: ['hypervisor', 'vga', 'display', 'input', 'rfb'],
  machine: ['hypervisor', 'vga', 'display', 'input', 'guest', 'rfb'],
  app: ['hypervisor', 'vga', 'display', 'rfb', 'transport', 'input', 'guest', 'machine'],
  index: ['app', 'hypervisor', 'vga', 'display', 'rfb', 'transport', 'input', 'guest', 'machine'],
  cli: ['*'],
  bench: ['*'],
};
/** What client/ may import from src/ (path prefixes). */
const CLIENT_MAY_IMPORT = ['src/rfb/wire/', 'src/display/', 'src/rfb/security/vnc-auth.ts'];

/** A file's layer: its folder under src/ (src/app.ts: app, src/index.ts: index), or client. */
const layerOf = (rel) => {
  const parts = rel.split(path.sep);
  if (parts[0] === 'client') return 'client';
  if (parts.length === 2) return parts[1].replace(/\.ts$/, '');
  return parts[1];
};

const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
};
for (const d of ['src', 'client']) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
const graph = new Map();
const importRe = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gm;
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  const deps = new Set();
  for (const m of text.matchAll(importRe)) {
    const target = path.resolve(path.dirname(f), m[1] ?? m[2]).replace(/\.js$/, '.ts');
    if (fs.existsSync(target)) deps.add(target);
  }
  graph.set(f, [...deps]);
}

// the layer direction
const violations = [];
for (const [f, deps] of graph) {
  const rel = path.relative(root, f);
  const from = layerOf(rel);
  for (const d of deps) {
    const drel = path.relative(root, d);
    const to = layerOf(drel);
    if (to === from) continue;
    if (from === 'client') {
      if (!CLIENT_MAY_IMPORT.some((p) => drel.startsWith(p))) violations.push(`${rel} -> ${drel} (client/ imports only ${CLIENT_MAY_IMPORT.join(', ')})`);
      continue;
    }
    const allowed = ALLOWED[from];
    if (!allowed) violations.push(`${rel}: folder '${from}' has no place in the layers (add it to scripts/check-imports.mjs)`);
    else if (to !== 'runtime' && !allowed.includes('*') && !allowed.includes(to)) violations.push(`${rel} -> ${drel} (${from} may import only ${[...allowed, 'runtime'].join(', ')})`);
  }
}
// one composition root: the only file importing every layer of the chain
const roots = [...graph].filter(([, deps]) => CHAIN.every((l) => deps.some((d) => layerOf(path.relative(root, d)) === l))).map(([f]) => path.relative(root, f));
if (files.length > 0 && (roots.length !== 1 || roots[0] !== path.join('src', 'app.ts'))) {
  violations.push(`files importing all of ${CHAIN.join(', ')}: ${roots.join(', ') || 'none'} (should be src/app.ts alone)`);
}

// Tarjan's strongly connected components: every component of more than one file is a cycle
let index = 0;
const idx = new Map(), low = new Map(), stack = [], on = new Set(), cycles = [];
const strong = (v) => {
  idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); on.delete(w); comp.push(path.relative(root, w)); } while (w !== v);
    if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp.sort());
  }
};
for (const f of files) if (!idx.has(f)) strong(f);
const big = maxLines ? files.map((f) => [path.relative(root, f), fs.readFileSync(f, 'utf8').split('\n').length]).filter(([, n]) => n > maxLines) : [];
for (const c of cycles) console.log(`cycle: ${c.join(' <-> ')}`);
for (const v of violations) console.log(`against the layers: ${v}`);
for (const [f, n] of big) console.log(`over ${maxLines} lines: ${f} (${n})`);
console.log(`${files.length} files, ${cycles.length} import cycles, ${violations.length} imports against the layers`);
process.exit(cycles.length || violations.length ? 1 : 0);
