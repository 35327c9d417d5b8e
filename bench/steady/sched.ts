/**
 * Scheduler accounting of threads (/proc/<pid>/task/<tid>/schedstat: ns on a CPU, ns waiting on a run queue) and
 * the machine's CPU pressure stall total, read around each relist sample (--relist-trace).
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface Sched { runNs: number; waitNs: number }

function read(path: string): Sched {
  try {
    const [run, wait] = readFileSync(path, 'utf8').split(' ').map(Number);
    return { runNs: run ?? 0, waitNs: wait ?? 0 };
  } catch { return { runNs: 0, waitNs: 0 }; }
}

/** The main thread of `pid` (its thread id is the pid): a Node process's event loop. */
export const mainThread = (pid: number): Sched => read(`/proc/${pid}/task/${pid}/schedstat`);

/** Every thread of `pid` summed (a Go runtime's Ms, V8's GC helpers, libuv's pool). */
export function allThreads(pid: number): Sched {
  let runNs = 0; let waitNs = 0;
  let tids: string[] = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { /* gone */ }
  for (const tid of tids) { const s = read(`/proc/${pid}/task/${tid}/schedstat`); runNs += s.runNs; waitNs += s.waitNs; }
  return { runNs, waitNs };
}

/** The machine's "some" CPU pressure stall total (µs), NaN without PSI. */
export function psiCpuUs(): number {
  try { return Number(/total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN); } catch { return NaN; }
}

export const deltaMs = (a: Sched, b: Sched) => ({ run: (b.runNs - a.runNs) / 1e6, wait: (b.waitNs - a.waitNs) / 1e6 });
