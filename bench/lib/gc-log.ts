/**
 * Preloaded into the wincri daemon by `--lifecycle-trace` (node --import): appends every GC of the process to the
 * file named by WINCRI_BENCH_GC_LOG, one JSON line each — wall-clock start (ms since the epoch), duration, kind
 * and whether it was forced (the idle collection of util/idle-gc.ts is) — for the bench to lay over its samples.
 */
import { PerformanceObserver, performance, constants } from 'node:perf_hooks';
import { appendFileSync } from 'node:fs';

const file = process.env.WINCRI_BENCH_GC_LOG;
const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export interface GcEntry { pid: number; at: number; ms: number; kind: string; forced: boolean }

if (file) {
  new PerformanceObserver((list) => {
    const lines = list.getEntries().map((e) => {
      const d = (e as unknown as { detail?: { kind?: number; flags?: number } }).detail ?? {};
      const entry: GcEntry = {
        pid: process.pid, at: performance.timeOrigin + e.startTime, ms: e.duration, kind: KINDS[d.kind ?? 0] ?? String(d.kind),
        forced: ((d.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0,
      };
      return `${JSON.stringify(entry)}\n`;
    });
    try { appendFileSync(file, lines.join('')); } catch { /* diagnostics only */ }
  }).observe({ entryTypes: ['gc'] });
}
