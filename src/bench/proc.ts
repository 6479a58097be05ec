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

/** pid and its descendants (a relaunched server is the child of the process that was started). */
/** Whether a process is still there (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      parentOf.set(Number(e), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, pp] of parentOf) if (pp === tree[i]) tree.push(p);
  return tree;
}

/**
 * CPU time and context switches of pid and all its descendants (so that a process that only
 * starts the server again, and the server it starts, are both counted); RSS of the largest of them.
 */
export function sampleProcess(pid: number): ProcSample {
  let cpuMs = 0;
  let contextSwitches = 0;
  let rssBytes = 0;
  for (const p of processTree(pid)) {
    try {
      const s = sampleOne(p);
      cpuMs += s.cpuMs;
      contextSwitches += s.contextSwitches;
      rssBytes = Math.max(rssBytes, s.rssBytes);
    } catch (err) {
      if (p === pid) throw err;
    }
  }
  return { cpuMs, contextSwitches, rssBytes, at: performance.now() };
}

function sampleOne(pid: number): Omit<ProcSample, 'at'> {
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
  return { cpuMs, contextSwitches: switches, rssBytes: rssPages * 4096 };
}

export function describeMachine(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}`;
}
