// bench v86 --repeat: a row is the median run of that server, with every run's figure beside it.
import { describe, expect, it } from 'vitest';
import { formatV86Table, medianRun, type V86BenchRow } from '../../src/bench/v86.js';

const row = (server: string, guest: 'grub' | 'linux', bootS: number, idleCpuPct: number | null): V86BenchRow => ({
  server, guest, bootS, idleCpuPct, scrollCpuS: null, scrollBytes: null, scrollS: null, keyLatencyMs: null, keyLatencyP90Ms: null,
});

describe('bench v86 --repeat', () => {
  it('picks the median run by idle CPU at the Linux prompt and lists every run in run order', () => {
    const m = medianRun([row('a', 'linux', 12, 0.9), row('a', 'linux', 30, 0.2), row('a', 'linux', 11, 0.5)], 'linux');
    expect(m.idleCpuPct).toBe(0.5);
    expect(m.bootS).toBe(11); // the whole median run, not a mix of runs
    expect(m.runs).toEqual([0.9, 0.2, 0.5]);
    expect(formatV86Table([m])).toContain('0.90, 0.20, 0.50');
  });

  it('GRUB runs by boot time; one run is the row as it was', () => {
    expect(medianRun([row('q', 'grub', 4.8, null), row('q', 'grub', 0.7, null)], 'grub').bootS).toBe(0.7);
    const one = row('q', 'grub', 4.8, null);
    expect(medianRun([one], 'grub')).toBe(one);
  });
});
