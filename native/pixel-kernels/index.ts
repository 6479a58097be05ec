// AssemblyScript: the module scripts/build-wasm.mjs builds for src/rfb/encodings/pixel-kernels.ts,
// Tight's and ZRLE's per-pixel passes (gradient filter, palette, text layers' columns; ZRLE's
// tiles). One instance per thread; each call lays its areas out afresh.
export { heapBase, gradient888 } from './gradient';
export { tableEnd, palette, monoBits } from './palette';
export { markColumns } from './columns';
export { zrleScratchEnd, zrleBand } from './zrle';
