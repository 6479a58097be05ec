// Where `--tracking hw` cannot run it says why in one line and the emulated tracker runs instead: each
// precondition taken away for real where this machine allows it (seccomp denying userfaultfd or the
// PAGEMAP_SCAN ioctl in a child process, no compiler for the install build, no addon file), injected
// where it cannot be (another OS or CPU, a kernel without WP_ASYNC).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHwtrack } from '../../src/hypervisor/hwtrack-addon.js';
import { openHwTracker } from '../../src/hypervisor/hw-tracker.js';

const hw = loadHwtrack();
const ROOT = path.resolve('.');
const DIST = path.join(ROOT, 'dist/src');
const MAIN = path.join(DIST, 'cli/main.js');

/** Run an ES module snippet in a fresh node (the built dist/ modules are importable as DIST). */
function child(code: string, env: NodeJS.ProcessEnv = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env }, cwd: ROOT });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** In a child: optionally deny something with seccomp, then build the app with --tracking hw; print what ran. */
const APP_IN_CHILD = (deny: string | null) => `
  import { createRequire } from 'node:module';
  import { defaultAddonPath } from '${DIST}/hypervisor/hwtrack-addon.js';
  // as a container runtime would: the filter is in place before the app looks at the kernel
  ${deny ? `createRequire(import.meta.url)(defaultAddonPath())._denyForTest('${deny}');` : ''}
  const { VramVnc, DEFAULT_APP_OPTIONS } = await import('${DIST}/app.js');
  const notices = [];
  const app = new VramVnc({ ...DEFAULT_APP_OPTIONS, guest: { name: 'x', start() {} }, tracking: 'hw', vnc: null, web: null, log: () => {}, notice: (n) => notices.push(n) });
  process.stdout.write(JSON.stringify({ mode: app.tracker.mode, notices }));
  await app.stop();
`;

describe('--tracking hw falls back, one line saying why', () => {
  it('VRAMVNC_HWTRACK=off, another OS, another CPU, no addon file: each has its reason', () => {
    expect(loadHwtrack({ env: { VRAMVNC_HWTRACK: 'off' } })).toEqual({ ok: false, reason: 'disabled by VRAMVNC_HWTRACK=off' });
    expect(loadHwtrack({ env: {}, platform: 'darwin' })).toEqual({ ok: false, reason: 'userfaultfd is Linux only (this is darwin)' });
    expect(loadHwtrack({ env: {}, platform: 'linux', arch: 'arm64' })).toEqual({ ok: false, reason: 'the hwtrack addon supports x86_64 only (this is arm64)' });
    expect(loadHwtrack({ env: {}, platform: 'linux', arch: 'x64', addonPath: path.join(os.tmpdir(), 'no-such-hwtrack.node') })).toEqual({
      ok: false,
      reason: 'the hwtrack addon is not built (npm install builds it where a C compiler is present)',
    });
  });

  it('a kernel without userfaultfd WP_ASYNC or WP_UNPOPULATED (before 6.7) is refused', () => {
    for (const [fake, name] of [
      ['wp-async', 'WP_ASYNC'],
      ['wp-unpopulated', 'WP_UNPOPULATED'],
    ]) {
      const r = loadHwtrack({ env: { ...process.env, VRAMVNC_HWTRACK_FAKE_MISSING: fake } });
      expect(r.ok).toBe(false);
      if (hw.ok) expect(r).toEqual({ ok: false, reason: `kernel ${os.release()} lacks userfaultfd ${name} (needs Linux 6.7)` });
      else expect(r).toEqual(hw);
    }
  });

  it('VRAM that is not page-aligned whole pages is refused', () => {
    const unaligned = new Uint8Array(new ArrayBuffer(1 << 20), 8, 4096 * 16);
    const r = openHwTracker(() => unaligned, { idleDropMs: 100 });
    expect(r).toEqual({ reason: hw.ok ? 'the VRAM buffer is not page-aligned whole pages (no WebAssembly.Memory to put it in?)' : hw.reason });
  });

  it('seccomp denying userfaultfd (a container profile): the app runs the emulated tracker and says so', () => {
    const r = child(APP_IN_CHILD(hw.ok ? 'userfaultfd' : null));
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    const reason = hw.ok ? 'userfaultfd: Operation not permitted (blocked by seccomp or not built into the kernel)' : hw.reason;
    expect(JSON.parse(r.out)).toEqual({ mode: 'dirty', notices: [`vramvnc: --tracking hw unavailable (${reason}); using the emulated tracker (dirty)`] });
  });

  it('no PAGEMAP_SCAN ioctl (ENOTTY, as before Linux 6.7): refused the same way', () => {
    const r = child(APP_IN_CHILD(hw.ok ? 'pagemap-scan' : null));
    expect(r.status).toBe(0);
    const reason = hw.ok ? `kernel ${os.release()} lacks PAGEMAP_SCAN (needs Linux 6.7)` : hw.reason;
    expect(JSON.parse(r.out)).toEqual({ mode: 'dirty', notices: [`vramvnc: --tracking hw unavailable (${reason}); using the emulated tracker (dirty)`] });
  });

  it('in a child with nothing denied, the app runs what this process runs', () => {
    const r = child(APP_IN_CHILD(null));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out).mode).toBe(hw.ok ? 'hw' : 'dirty');
  });

  it('the install build without a compiler exits 0 with one line, leaves no addon, and loading says so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwtrack-nocc-'));
    try {
      for (const f of ['hwtrack.c', 'binding.gyp']) fs.copyFileSync(path.join(ROOT, 'native/hwtrack', f), path.join(dir, f));
      const empty = path.join(dir, 'bin');
      fs.mkdirSync(empty);
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-hwtrack.mjs'), '--dir', dir], { encoding: 'utf8', env: { ...process.env, PATH: empty, CC: '', VRAMVNC_HWTRACK: '' }, timeout: 60_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('vramvnc: hwtrack addon not built (cc, make, python3 not found); --tracking hw will use the emulated tracker\n');
      const built = path.join(dir, 'build/Release/hwtrack.node');
      expect(fs.existsSync(built)).toBe(false);
      expect(loadHwtrack({ env: {}, addonPath: built, platform: 'linux', arch: 'x64' })).toMatchObject({ ok: false, reason: expect.stringContaining('not built') });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`vramvnc serve --tracking hw` with VRAMVNC_HWTRACK=off serves on the emulated tracker and prints the notice', async () => {
    const c = spawn(process.execPath, [MAIN, 'serve', '--tracking', 'hw', '--guest', 'idle', '--vnc', '127.0.0.1:0', '--web', '127.0.0.1:0', '--quiet'], {
      env: { ...process.env, VRAMVNC_HWTRACK: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      c.stderr!.on('data', (d) => (err += d));
      const web = await new Promise<string>((resolve, reject) => {
        c.stdout!.on('data', (d) => {
          out += d;
          const m = /web: listening on (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        c.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      const stats = (await (await fetch(`${web}stats`)).json()) as { tracking: { mode: string } };
      expect(stats.tracking.mode).toBe('dirty');
      expect(err).toBe('vramvnc: --tracking hw unavailable (disabled by VRAMVNC_HWTRACK=off); using the emulated tracker (dirty)\n');
      const png = await fetch(`${web}screenshot.png`);
      expect(png.status).toBe(200);
    } finally {
      c.kill('SIGTERM');
    }
  });
});
