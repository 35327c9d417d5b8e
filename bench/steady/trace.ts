/**
 * `--relist-trace FILE`: every steady-phase relist sample with what went on around it, written as JSON lines to
 * FILE — the client-side time of each list call, the scheduler accounting of the bench client's event loop and of
 * the target's server (./sched.ts: ns on a CPU and ns waiting for one), the machine's CPU pressure stall, the
 * client's own GC pauses (observed here) and, for wincri, the daemon's (bench/lib/gc-log.ts, preloaded into the
 * daemon; its log is FILE.gc). The readings are taken between samples, outside the timed part.
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Target } from '../target.js';
import type { GcEntry } from '../lib/gc-log.js';
import { mainThread, allThreads, psiCpuUs, deltaMs, type Sched } from './sched.js';

export interface RelistSample {
  target: string; at: number; epoch: number; ms: number; podsMs: number; ctrsMs: number;
  /** The bench client's main thread: ms on a CPU, ms waiting for one. */
  clientRun: number; clientWait: number;
  /** The server's main thread (wincri's event loop; containerd: all its threads) and all its threads. */
  serverRun: number; serverWait: number; serverAllRun: number; serverAllWait: number;
  psiCpuMs: number; clientGcMs: number;
  /** Growth of the client's JS heap over the sample (KiB): what it allocated when no GC ran inside. */
  clientHeapKiB: number; daemonGcMs?: number; gcs: string[];
}

interface Before { client: Sched; main: Sched; all: Sched; psi: number; heap: number }

export class RelistTrace {
  readonly samples: RelistSample[] = [];
  private clientGcs: { at: number; ms: number; kind: number }[] = [];
  private obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) this.clientGcs.push({ at: e.startTime, ms: e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
  });
  private b?: Before;
  /** Each target's server pid, looked up once (a peer's pids() scans /proc: work and garbage in the client). */
  private pids = new Map<Target, number>();

  constructor(readonly file: string) { this.obs.observe({ entryTypes: ['gc'] }); }

  /** The GC log the daemon writes (WINCRI_BENCH_GC_LOG). */
  get gcFile(): string { return `${this.file}.gc`; }

  private read(t: Target): Before {
    let pid = this.pids.get(t);
    if (pid === undefined) { pid = t.pids()[0]!; this.pids.set(t, pid); }
    const node = t.name === 'wincri';
    return { client: mainThread(process.pid), main: node ? mainThread(pid) : allThreads(pid), all: allThreads(pid), psi: psiCpuUs(), heap: getHeapStatistics().used_heap_size };
  }

  before(t: Target): void { this.b = this.read(t); }

  after(t: Target, at: number, podsMs: number, ctrsMs: number): void {
    const a = this.b!; const b = this.read(t);
    const c = deltaMs(a.client, b.client); const m = deltaMs(a.main, b.main); const all = deltaMs(a.all, b.all);
    this.samples.push({
      target: t.name, at, epoch: performance.timeOrigin + at, ms: podsMs + ctrsMs, podsMs, ctrsMs, clientRun: c.run, clientWait: c.wait, serverRun: m.run, serverWait: m.wait,
      serverAllRun: all.run, serverAllWait: all.wait, psiCpuMs: (b.psi - a.psi) / 1000, clientGcMs: 0, clientHeapKiB: (b.heap - a.heap) / 1024, gcs: [],
    });
  }

  /** Lays the client's and the daemon's GC pauses over the samples and writes FILE. */
  finish(): RelistSample[] {
    this.obs.disconnect();
    const origin = performance.timeOrigin;
    const daemon: GcEntry[] = existsSync(this.gcFile) ? readFileSync(this.gcFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as GcEntry) : [];
    for (const s of this.samples) {
      const end = s.at + s.ms;
      const mine = this.clientGcs.filter((g) => g.at < end && g.at + g.ms > s.at);
      s.clientGcMs = mine.reduce((n, g) => n + g.ms, 0);
      s.gcs = mine.map((g) => `client ${g.kind === 1 ? 'minor' : g.kind === 2 ? 'major' : g.kind} ${g.ms.toFixed(1)}`);
      if (s.target === 'wincri' && daemon.length) {
        const inside = daemon.filter((g) => g.at - origin < end && g.at - origin + g.ms > s.at);
        s.daemonGcMs = inside.reduce((n, g) => n + g.ms, 0);
        s.gcs.push(...inside.map((g) => `daemon ${g.kind}${g.forced ? ' (forced)' : ''} ${g.ms.toFixed(1)}`));
      }
    }
    writeFileSync(this.file, this.samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
    return this.samples;
  }
}
