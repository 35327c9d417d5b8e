/**
 * Per-process samples over time (/proc RSS, PSS, open fds, RSS by kind of mapping, and the JS heap's figures when
 * the process is inspected) and the least-squares slope of memory in MiB/hour.
 */
import { readdirSync } from 'node:fs';
import { pssKiB, rssKiB } from '../lib/procs.js';
import { rssParts, type RssParts } from './smaps.js';

/** process.memoryUsage() of an inspected process, in KiB. */
export interface HeapKiB { heapUsedKiB: number; heapTotalKiB: number; externalKiB: number; arrayBuffersKiB: number }

export interface Sample extends RssParts, Partial<HeapKiB> { t: number; rssKiB: number; pssKiB: number; fds: number }

export type KiBKey = 'rssKiB' | 'pssKiB' | keyof RssParts | keyof HeapKiB;

export function fdCount(pid: number): number {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return -1; }
}

export function sample(pid: number, t0: number): Sample {
  return { t: Date.now() - t0, rssKiB: rssKiB(pid), pssKiB: pssKiB(pid), fds: fdCount(pid), ...rssParts(pid) };
}

/** Slope of y (KiB) over t (ms) by linear regression, in MiB per hour; samples without y are left out. */
export function slopeMiBPerHour(all: Sample[], key: KiBKey): number {
  const samples = all.filter((x) => x[key] !== undefined);
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const my = samples.reduce((s, x) => s + x[key]!, 0) / n;
  let num = 0, den = 0;
  for (const x of samples) { num += (x.t - mt) * (x[key]! - my); den += (x.t - mt) ** 2; }
  return den === 0 ? 0 : (num / den) * 3_600_000 / 1024;
}

/** The samples of the second half of the run (warm-up excluded). */
export const secondHalf = (s: Sample[]): Sample[] => s.filter((x) => x.t >= s[s.length - 1]!.t / 2);

/**
 * Slope (MiB/hour) of the floor: the lowest value in each `windowMs` window, regressed over the windows. Memory of
 * a busy process is a sawtooth (V8's heap between collections, freed C-heap pages kept until a trim), and a slope
 * over every sample moves with where in its tooth the run ends; a leak lifts the floor. A last window shorter than
 * half a window is left out: its lowest value is wherever the tooth was when the run ended (the run's final sample
 * alone in a window of its own gave a 30-minute run whose floor stayed at 6–11 MiB a floor slope of +11 MiB/h).
 */
export function floorSlopeMiBPerHour(all: Sample[], key: KiBKey, windowMs = 120_000): number {
  const mins = new Map<number, Sample>();
  let lastT = -Infinity;
  for (const x of all) {
    if (x[key] === undefined) continue;
    lastT = Math.max(lastT, x.t);
    const w = Math.floor(x.t / windowMs);
    const m = mins.get(w);
    if (!m || x[key]! < m[key]!) mins.set(w, x);
  }
  const lastW = Math.floor(lastT / windowMs);
  if (mins.size > 2 && lastT - lastW * windowMs < windowMs / 2) mins.delete(lastW);
  return slopeMiBPerHour([...mins.values()], key);
}
