/**
 * Pod lifecycle (Run → Create → Start → Stop → Remove, fresh pod each): sequential and `parallel` at a time, in
 * pods/s; pod start (RunPodSandbox → container RUNNING, i.e. StartContainer returned) p50/p99 and per-RPC p50s from
 * the sequential part. Every target gets its warm-up, then the targets take turns in blocks (bench/lib/interleave.ts):
 * `block` sequential pods on one, then on the next, the order rotating each round; then the parallel part likewise,
 * in blocks of 2 × `parallel` pods. Measured one target after the other instead, the second one ran while the
 * kernel was still tearing down the first one's network namespaces (and its GC ran): the sequential ratio moved
 * between 1.65× and 2.34× and the pod start p99 ratio between 0.84× and 2.2× across runs. Each target's pods/s
 * come from its own time: the sum of its sequential samples, the wall time of its parallel blocks.
 */
import { performance } from 'node:perf_hooks';
import type { Target } from '../target.js';
import { summarize } from '../lib/stats.js';
import { roundOrder, blockSizes } from '../lib/interleave.js';
import { lifecycle, pool } from './pods.js';
import type { Figures } from '../report.js';
import type { LifecycleTrace } from '../lifecycle/trace.js';
import type { Sample } from './lifecycle-sample.js';

export interface LifecycleOptions {
  /** Sequential samples per target. */ pods: number;
  /** Pods per target in the parallel part. */ parPods: number;
  parallel: number; warmup: number;
  /** Sequential pods per block. */ block: number;
  /** Per-sample diagnostics (--lifecycle-trace). */ trace?: LifecycleTrace;
}

/** How the phase interleaves, for the bench's header. */
export function describeInterleaving(o: LifecycleOptions): string {
  const fromTop = o.pods - Math.ceil(0.99 * o.pods) + 1; // nearest rank (lib/stats.ts): p99 is the worst sample up to 100
  return `lifecycle: ${o.warmup} warm-up pods per target, then ${o.pods} sequential pods per target in blocks of ${o.block} and ${o.parPods} pods ${o.parallel} at a time in blocks of ${2 * o.parallel}, the targets taking turns (order rotating each round); pod start p99 = the ${['', '', 'second ', 'third '][fromTop] ?? `${fromTop}th `}slowest sample`;
}

async function sequential(targets: Target[], o: LifecycleOptions): Promise<Sample[][]> {
  const samples: Sample[][] = targets.map(() => []);
  for (const [round, size] of blockSizes(o.pods, o.block).entries()) {
    for (const j of roundOrder(round, targets.length)) {
      for (let i = 0; i < size; i++) {
        await o.trace?.before(targets[j]!);
        const at = Date.now();
        const s = await lifecycle(targets[j]!);
        samples[j]!.push(s);
        await o.trace?.after(targets[j]!, s, { at, round, pos: i });
      }
    }
  }
  return samples;
}

/** Wall time (ms) of each target's parallel blocks, summed. */
async function parallelBlocks(targets: Target[], o: LifecycleOptions): Promise<number[]> {
  const ms = targets.map(() => 0);
  for (const [round, size] of blockSizes(o.parPods, 2 * o.parallel).entries()) {
    for (const j of roundOrder(round, targets.length)) {
      const a = performance.now();
      await pool(size, o.parallel, async () => { await lifecycle(targets[j]!); });
      ms[j]! += performance.now() - a;
    }
  }
  return ms;
}

export async function lifecyclePhase(targets: Target[], o: LifecycleOptions): Promise<Map<Target, Figures>> {
  for (const t of targets) for (let i = 0; i < o.warmup; i++) await lifecycle(t);
  const seq = await sequential(targets, o);
  const par = await parallelBlocks(targets, o);
  return new Map(targets.map((t, j) => {
    const s = seq[j]!;
    const col = (k: keyof Sample) => summarize(s.map((x) => x[k]));
    // Sequential pods/s from the samples' own time: nothing of the other targets' blocks (or of a trace's probes).
    const seqS = s.reduce((n, x) => n + x.run + x.create + x.start + x.stop + x.remove, 0) / 1000;
    const start = col('podStart');
    return [t, {
      'lifecycle.seq': s.length / seqS, 'lifecycle.par': o.parPods / (par[j]! / 1000),
      'podStart.p50': start.p50, 'podStart.p99': start.p99,
      'run.p50': col('run').p50, 'create.p50': col('create').p50, 'start.p50': col('start').p50,
      'stop.p50': col('stop').p50, 'remove.p50': col('remove').p50,
    }];
  }));
}
