// Measuring another process from outside: CPU time and context switches from /proc (Linux).
import fs from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcSample {
  /** user + system CPU time in ms */
  cpuMs: number;
  /** voluntary + involuntary context switches over all threads: how often the process woke */
  contextSwitches: number;
  rssBytes: number;
  at: number;
}

export function sampleProcess(pid: number): ProcSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  let switches = 0;
  let runNs = 0;
  let haveSchedstat = true;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      for (const m of s.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) switches += Number(m[1]);
      // schedstat: nanoseconds on CPU (far finer than stat's 10 ms ticks)
      runNs += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      haveSchedstat = false; // thread exited meanwhile, or no schedstat: fall back to ticks
    }
  }
  const cpuMs = haveSchedstat && runNs > 0 ? runNs / 1e6 : ((utime + stime) * 1000) / TICKS_PER_SECOND;
  return { cpuMs, contextSwitches: switches, rssBytes: rssPages * 4096, at: performance.now() };
}

export function describeMachine(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}`;
}
