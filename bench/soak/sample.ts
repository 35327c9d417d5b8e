/** Per-process samples over time (/proc RSS, PSS, open fds) and the least-squares slope of memory in MiB/hour. */
import { readdirSync } from 'node:fs';
import { pssKiB, rssKiB } from '../lib/procs.js';

export interface Sample { t: number; rssKiB: number; pssKiB: number; fds: number }

export function fdCount(pid: number): number {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return -1; }
}

export function sample(pid: number, t0: number): Sample {
  return { t: Date.now() - t0, rssKiB: rssKiB(pid), pssKiB: pssKiB(pid), fds: fdCount(pid) };
}

/** Slope of y (KiB) over t (ms) by linear regression, in MiB per hour. */
export function slopeMiBPerHour(samples: Sample[], key: 'rssKiB' | 'pssKiB'): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const my = samples.reduce((s, x) => s + x[key], 0) / n;
  let num = 0, den = 0;
  for (const x of samples) { num += (x.t - mt) * (x[key] - my); den += (x.t - mt) ** 2; }
  return den === 0 ? 0 : (num / den) * 3_600_000 / 1024;
}
