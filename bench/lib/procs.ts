/** Per-process figures from /proc: proportional set size (smaps_rollup), CPU ticks, command-line search. */
import { readFileSync, readdirSync } from 'node:fs';

/** PSS in KiB, 0 when the process is gone. */
export function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/**
 * utime + stime in clock ticks (USER_HZ = 100 on Linux); with `children`, plus the CPU of the children it waited
 * for (cutime + cstime). Undefined when the process is gone.
 */
export function cpuTicks(pid: number, opts: { children?: boolean } = {}): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return opts.children ? own + Number(f[13]) + Number(f[14]) : own;
  } catch { return undefined; }
}

/** The CPU ticks of each of `pids` that is alive now. */
export function cpuSnapshot(pids: number[], opts: { children?: boolean } = {}): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of pids) {
    const t = cpuTicks(p, opts);
    if (t !== undefined) m.set(p, t);
  }
  return m;
}

/**
 * Ticks used between two snapshots: per process alive at the end, from its first snapshot (a process started in
 * between counts from 0). A process that exited in between is left out (its last ticks are unknown), never
 * counted as a drop: the sum is never negative.
 */
export function cpuUsed(before: Map<number, number>, after: Map<number, number>): number {
  let n = 0;
  for (const [p, t] of after) n += Math.max(0, t - (before.get(p) ?? 0));
  return n;
}

/** Pids whose command line contains `needle`. */
export function pidsWithCmdline(needle: string): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try { if (readFileSync(`/proc/${n}/cmdline`, 'utf8').includes(needle)) out.push(Number(n)); } catch { /* gone */ }
  }
  return out;
}

export const TICK_MS = 10;
