// The small things a new user meets first on the command line (issue 14).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('the command line on day one', () => {
  it('serve --help lists every guest, video[:WxH] too, and prints defaults as they are typed', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('idle, desktop, random, bios, terminal, mode13, planar, modes, video[:WxH], image:<file.png> (default: desktop)');
    expect(help).toContain('RFB listener (default: 127.0.0.1:5900)');
    expect(help).toContain('(default: 127.0.0.1:6080)');
    expect(r.stdout).not.toMatch(/[{}]/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await runCli([flag])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('serve --vnc off --web off is refused with one line', async () => {
    expect(await runCli(['serve', '--vnc', 'off', '--web', 'off'])).toEqual({ code: 2, stdout: '', stderr: 'vramvnc: --vnc off and --web off: nothing would listen; keep at least one of them\n' });
  });

  it('--vram-mb too small for the guest\'s mode is refused clearly, not served as a smaller screen', async () => {
    const r = await runCli(['serve', '--vram-mb', '1', '--vnc', '127.0.0.1:0', '--web', 'off']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'vramvnc: VBE 1024x768x32 needs 3 MiB of video RAM; the card has 1 MiB (give a larger --vram-mb)\n' });
    // a guest whose modes fit still runs (text mode needs 256 KiB)
    const small = await runCli(['serve', '--guest', 'bios', '--vram-mb', '1', '--vnc', '127.0.0.1:0', '--web', 'off'], {}, 3000);
    expect(small.stdout).toMatch(/^vnc: listening on vnc:\/\/127\.0\.0\.1:\d+\n$/);
    expect(small.stderr).not.toMatch(/video RAM/);
  });

  it('bench plot takes --latency alone (or --idle alone), and by default writes under test-output/, not over docs/', async () => {
    const before = fs.readFileSync('docs/bench-latency.svg', 'utf8');
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'vramvnc-plot-'));
    try {
      const lat = await runCli(['bench', 'plot', '--latency', 'bench-results/latency.json']);
      expect(lat).toEqual({ code: 0, stdout: 'test-output/plots/bench-latency.svg\n', stderr: '' });
      expect(fs.readFileSync('test-output/plots/bench-latency.svg', 'utf8')).toMatch(/^<svg/);
      const idle = await runCli(['bench', 'plot', '--idle', 'bench-results/idle.json', '--out', cwd]);
      expect(idle).toEqual({ code: 0, stdout: `${cwd}/bench-idle.svg\n`, stderr: '' });
      expect(await runCli(['bench', 'plot'])).toEqual({ code: 2, stdout: '', stderr: 'vramvnc: bench plot: give --idle FILE, --latency FILE, or both\n' });
      expect(fs.readFileSync('docs/bench-latency.svg', 'utf8')).toBe(before);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
