#!/usr/bin/env node
// Import graph of src/ and client/ (type-only imports included): fails on any cycle, and lists files
// over the size limit. Usage: node scripts/check-imports.mjs [--max-lines N]
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const maxLines = Number(process.argv[process.argv.indexOf('--max-lines') + 1]) || 0;
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
};
for (const d of ['src', 'client']) walk(path.join(root, d));
const graph = new Map();
const importRe = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm;
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  const deps = new Set();
  for (const m of text.matchAll(importRe)) {
    const target = path.resolve(path.dirname(f), m[1]).replace(/\.js$/, '.ts');
    if (fs.existsSync(target)) deps.add(target);
  }
  graph.set(f, [...deps]);
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
for (const [f, n] of big) console.log(`over ${maxLines} lines: ${f} (${n})`);
console.log(`${files.length} files, ${cycles.length} import cycles`);
process.exit(cycles.length ? 1 : 0);
