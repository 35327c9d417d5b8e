/**
 * `--idle-trace FILE`: what wincri's processes ran during the steady phase's idle-CPU windows. Every 100 ms each
 * thread of the daemon, the IO keeper and the emulator service is read (/proc/<pid>/task/<tid>/schedstat: ns on a
 * CPU; comm: V8's "V8 DefaultWorke", libuv's pool, the main thread); every non-zero step is written to FILE as a
 * JSON line, and a summary is printed: CPU ms per process and thread over the window, the 100 ms steps that ran
 * more than 1 ms, and the daemon's GCs inside the window (bench/lib/gc-log.ts, preloaded into the daemon; FILE.gc).
 */
import { appendFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { GcEntry } from '../lib/gc-log.js';

const PROCS = ['daemon', 'keeper', 'emulator'];

interface Step { window: string; t: number; proc: string; tid: number; comm: string; ms: number }

function threads(pid: number): { tid: number; comm: string; ns: number }[] {
  let tids: string[] = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return []; }
  const out = [];
  for (const tid of tids) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.push({ tid: Number(tid), comm: Number(tid) === pid ? `${comm} (main)` : comm, ns });
    } catch { /* gone */ }
  }
  return out;
}

export class IdleTrace {
  /** The GC log the daemon writes (WINCRI_BENCH_GC_LOG; another trace's when one is on too). */
  gcFile: string;

  constructor(readonly file: string, private readonly everyMs = 100) { this.gcFile = `${file}.gc`; }

  /** Samples `pids` (daemon, keeper, emulator service) while `run` runs; prints the summary as `window`. */
  async during<T>(window: string, pids: number[], run: () => Promise<T>): Promise<T> {
    const last = new Map<number, number>();
    const steps: Step[] = [];
    const take = (t: number, record: boolean) => {
      pids.forEach((pid, i) => {
        for (const th of threads(pid)) {
          const d = th.ns - (last.get(th.tid) ?? th.ns);
          last.set(th.tid, th.ns);
          if (record && d > 0) steps.push({ window, t: Math.round(t), proc: PROCS[i] ?? String(pid), tid: th.tid, comm: th.comm, ms: d / 1e6 });
        }
      });
    };
    const epoch = Date.now();
    const a = performance.now();
    take(0, false);
    const timer = setInterval(() => take(performance.now() - a, true), this.everyMs);
    try {
      return await run();
    } finally {
      clearInterval(timer);
      take(performance.now() - a, true);
      appendFileSync(this.file, steps.map((s) => `${JSON.stringify(s)}\n`).join(''));
      console.error(this.summary(window, steps, epoch, performance.now() - a));
    }
  }

  private summary(window: string, steps: Step[], epoch: number, ms: number): string {
    const out = [`  idle trace, ${window} (${(ms / 1000).toFixed(1)} s; CPU ms per process / thread):`];
    const by = new Map<string, number>();
    for (const s of steps) by.set(`${s.proc} ${s.comm}`, (by.get(`${s.proc} ${s.comm}`) ?? 0) + s.ms);
    for (const [k, v] of [...by].sort((x, y) => y[1] - x[1])) out.push(`    ${k}: ${v.toFixed(1)}`);
    const at = new Map<number, Step[]>();
    for (const s of steps) at.set(s.t, [...(at.get(s.t) ?? []), s]);
    for (const [t, ss] of at) {
      const total = ss.reduce((n, s) => n + s.ms, 0);
      if (total > 1) out.push(`    at ${(t / 1000).toFixed(1)} s: ${total.toFixed(1)} ms (${ss.filter((s) => s.ms > 0.2).map((s) => `${s.proc} ${s.comm} ${s.ms.toFixed(1)}`).join(', ')})`);
    }
    if (existsSync(this.gcFile)) {
      const gcs = readFileSync(this.gcFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as GcEntry).filter((g) => g.at >= epoch - 3000 && g.at <= epoch + ms);
      for (const g of gcs) out.push(`    daemon GC at ${((g.at - epoch) / 1000).toFixed(2)} s: ${g.kind}${g.forced ? ' (forced)' : ''} ${g.ms.toFixed(1)} ms`);
    }
    return out.join('\n');
  }
}
