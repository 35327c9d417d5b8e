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

/** utime + stime in clock ticks (USER_HZ = 100 on Linux), 0 when the process is gone. */
export function cpuTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch { return 0; }
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

/** utime + stime of the process and of its children that it waited for (cutime + cstime), in clock ticks. */
export function cpuTicksWithChildren(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch { return 0; }
}

export const TICK_MS = 10;
