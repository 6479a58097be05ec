// AssemblyScript: the module scripts/build-wasm.mjs builds for src/rfb/encodings/tight-kernels.ts,
// Tight's per-pixel passes (gradient filter, palette, text layers' columns). One instance per
// thread; each call lays its areas out afresh.
export { heapBase, gradient888 } from './gradient';
export { tableEnd, palette, monoBits } from './palette';
export { markColumns } from './columns';
