/**
 * `--lifecycle-trace FILE`: every sequential lifecycle sample with its per-RPC times and what was going on around
 * it (probe.ts), and for wincri the daemon's GC pauses inside it (bench/lib/gc-log.ts, preloaded into the daemon;
 * its log is FILE.gc), written as JSON lines to FILE; report.ts then prints where the slow samples' time went.
 * The probes run between samples, outside the timed part.
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import type { Target } from '../target.js';
import type { Sample } from '../phases/lifecycle-sample.js';
import type { GcEntry } from '../lib/gc-log.js';
import { Probe, serverTimes, type Server } from './probe.js';
import { scrape } from '../phases/outside.js';

export interface TracedSample extends Sample {
  target: string; round: number; pos: number; at: number;
  psiCpuMs: number; psiIoMs: number; kernelMs: number; kthreadMs: number; busyMs: number; runtimeCpuMs: number;
  server?: Server; gcMs?: number; gcs?: string[];
}

export class LifecycleTrace {
  readonly samples: TracedSample[] = [];
  private probes = new Map<Target, Probe>();
  private last = new Map<Target, Server>();

  constructor(readonly file: string) {}

  /** The GC log the daemon writes (WINCRI_BENCH_GC_LOG). */
  get gcFile(): string { return `${this.file}.gc`; }

  async before(t: Target): Promise<void> {
    if (t.metricsUrl && !this.last.has(t)) this.last.set(t, serverTimes(await scrape(t.metricsUrl)));
    this.probes.set(t, new Probe(t, this.last.get(t)));
  }

  async after(t: Target, s: Sample, where: { at: number; round: number; pos: number }): Promise<void> {
    const { next, ...p } = await this.probes.get(t)!.end();
    if (next) this.last.set(t, next);
    this.samples.push({ target: t.name, ...where, ...s, ...p });
  }

  /** Lays the daemon's GC pauses over its samples and writes FILE. */
  finish(): TracedSample[] {
    const gcs: GcEntry[] = existsSync(this.gcFile) ? readFileSync(this.gcFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as GcEntry) : [];
    for (const s of this.samples) {
      if (s.target !== 'wincri' || !gcs.length) continue;
      const end = s.at + s.podStart + s.stop + s.remove;
      const inside = gcs.filter((g) => g.at < end && g.at + g.ms > s.at);
      s.gcMs = inside.reduce((n, g) => n + g.ms, 0);
      s.gcs = inside.map((g) => `${g.kind}${g.forced ? ' (forced)' : ''} ${g.ms.toFixed(1)} ms at +${(g.at - s.at).toFixed(0)}`);
    }
    writeFileSync(this.file, this.samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
    return this.samples;
  }
}
