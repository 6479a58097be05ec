// The optional native addon behind `--tracking hw` (native/hwtrack: C, N-API, built by `npm install`
// when a compiler is present). Loading it is allowed to fail: every reason it cannot run here (no addon,
// not Linux x86_64, a kernel before 6.7, seccomp blocking userfaultfd) comes back as one line of text.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An opaque handle to one tracked range (a napi external). */
export type HwHandle = { readonly __hwtrack: unique symbol };

/** scan() results besides a page count. */
export const SCAN_ALL = -1; // re-armed since the last scan and the writer ran during the switch: any page may have been written
export const SCAN_DROPPED = -2; // write access is dropped: nothing was written

export interface HwtrackStats {
  dropped: number;
  faults: number;
  rearms: number;
  /** re-arms after which the next scan was exact (the faulting thread did not run during the switch) */
  exactRearms: number;
  lastFaultTid: number;
  drops: number;
  pending: number;
  broken: number;
  userModeOnly: number;
}

export interface HwtrackAddon {
  /** "" when userfaultfd write-protect and PAGEMAP_SCAN work in this process, else why not. */
  probe(fakeMissingFeatures?: number): string;
  /** Host address of a view's first byte. */
  address(view: ArrayBufferView): number;
  /** Register a page-aligned view (armed, nothing protected yet); onFault runs when a fault re-arms it. */
  open(view: Uint8Array, onFault: () => void): HwHandle;
  /** Armed with pages [first, first+nr) protected: the next scan starts clean. */
  protect(h: HwHandle, first: number, nr: number): void;
  /** Armed with nothing protected (tracking stopped: stores cost nothing). */
  unprotect(h: HwHandle): void;
  /** Written pages since the last scan into bitmap (bit i = page first+i), protecting them again; or SCAN_ALL / SCAN_DROPPED. */
  scan(h: HwHandle, first: number, nr: number, bitmap: Uint32Array): number;
  /** Whether any page was written since the last scan (clears nothing). */
  peek(h: HwHandle, first: number, nr: number): boolean;
  /** Synchronous write-protect: the next store faults, and a native thread re-arms tracking. */
  drop(h: HwHandle, first: number, nr: number): void;
  /** Unregister, wake every blocked writer, stop the thread. Idempotent. */
  close(h: HwHandle): void;
  /** Test hook: leave faulting writers blocked while on. */
  setHold(h: HwHandle, on: boolean): void;
  stats(h: HwHandle): HwtrackStats;
  /** Test hook (child processes only): a seccomp filter denying 'userfaultfd' or 'pagemap-scan'. */
  _denyForTest(what: 'userfaultfd' | 'pagemap-scan'): void;
  /** Test hook: pause this long inside each re-arm, between the two registrations. */
  _setSwitchDelayForTest(h: HwHandle, us: number): void;
  /** Test hook: tgkill one thread of this process. */
  _signalThreadForTest(tid: number, signo: number): void;
}

export type HwtrackLoad = { ok: true; addon: HwtrackAddon; userModeOnly?: boolean } | { ok: false; reason: string };

/** Feature bits a test may pretend the kernel lacks (VRAMVNC_HWTRACK_FAKE_MISSING=wp-async,wp-unpopulated). */
const FAKE_FEATURES: Record<string, number> = { 'wp-async': 1 << 15, 'wp-unpopulated': 1 << 13 };

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  platform?: string;
  arch?: string;
  /** The .node file (default: VRAMVNC_HWTRACK_ADDON, else native/hwtrack/build/Release/hwtrack.node). */
  addonPath?: string;
}

/** Where the built addon lives: the package's native/hwtrack, from src/ (tests) or dist/src/ (built). */
export function defaultAddonPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VRAMVNC_HWTRACK_ADDON) return env.VRAMVNC_HWTRACK_ADDON;
  const rel = 'native/hwtrack/build/Release/hwtrack.node';
  const candidates = [new URL(`../../${rel}`, import.meta.url), new URL(`../../../${rel}`, import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
}

let cached: HwtrackLoad | null = null;

/** The addon if hardware tracking can run in this process, else the one-line reason. */
export function loadHwtrack(o: LoadOptions = {}): HwtrackLoad {
  const useCache = Object.keys(o).length === 0;
  if (useCache && cached) return cached;
  const r = load(o);
  if (useCache) cached = r;
  return r;
}

function load(o: LoadOptions): HwtrackLoad {
  const env = o.env ?? process.env;
  const platform = o.platform ?? process.platform;
  const arch = o.arch ?? process.arch;
  if (env.VRAMVNC_HWTRACK === 'off') return { ok: false, reason: 'disabled by VRAMVNC_HWTRACK=off' };
  if (platform !== 'linux') return { ok: false, reason: `userfaultfd is Linux only (this is ${platform})` };
  if (arch !== 'x64') return { ok: false, reason: `the hwtrack addon supports x86_64 only (this is ${arch})` };
  const path = o.addonPath ?? defaultAddonPath(env);
  if (!fs.existsSync(path)) return { ok: false, reason: 'the hwtrack addon is not built (npm install builds it where a C compiler is present)' };
  let addon: HwtrackAddon;
  try {
    addon = createRequire(import.meta.url)(path) as HwtrackAddon;
  } catch (err) {
    return { ok: false, reason: `the hwtrack addon does not load: ${(err as Error).message.split('\n')[0]}` };
  }
  let fake = 0;
  for (const name of (env.VRAMVNC_HWTRACK_FAKE_MISSING ?? '').split(',').filter(Boolean)) {
    const bit = FAKE_FEATURES[name];
    if (bit === undefined) return { ok: false, reason: `VRAMVNC_HWTRACK_FAKE_MISSING: unknown feature '${name}' (wp-async, wp-unpopulated)` };
    fake |= bit;
  }
  const why = addon.probe(fake);
  return why === '' ? { ok: true, addon } : { ok: false, reason: why };
}

export const WASM_PAGE = 65536;

/**
 * A zeroed, page-aligned buffer of `bytes` bytes inside a WebAssembly.Memory (exactly where v86 keeps
 * its VRAM), or null where one cannot be made (e.g. under `ulimit -v`: V8 reserves ~10 GiB for it).
 */
export function pageAlignedBuffer(bytes: number): { memory: WebAssembly.Memory; view: Uint8Array } | null {
  try {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / WASM_PAGE) });
    return { memory, view: new Uint8Array(memory.buffer, 0, bytes) };
  } catch {
    return null;
  }
}
