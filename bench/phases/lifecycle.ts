/**
 * Pod lifecycle (Run → Create → Start → Stop → Remove, fresh pod each): sequential and 5 in parallel, in pods/s;
 * pod start (RunPodSandbox → container RUNNING, i.e. StartContainer returned) p50/p99 and per-RPC p50s from the
 * sequential run.
 */
import { performance } from 'node:perf_hooks';
import type { Target } from '../target.js';
import { summarize } from '../lib/stats.js';
import { lifecycle, pool } from './pods.js';
import type { Figures } from '../report.js';

export async function lifecyclePhase(t: Target, n: number, parallel: number, warmup: number): Promise<Figures> {
  for (let i = 0; i < warmup; i++) await lifecycle(t);
  const samples: Awaited<ReturnType<typeof lifecycle>>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) samples.push(await lifecycle(t));
  const seqS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await pool(n, parallel, async () => { await lifecycle(t); });
  const parS = (performance.now() - t1) / 1000;
  const col = (k: keyof (typeof samples)[number]) => summarize(samples.map((s) => s[k]));
  const start = col('podStart');
  return {
    'lifecycle.seq': n / seqS, 'lifecycle.par': n / parS,
    'podStart.p50': start.p50, 'podStart.p99': start.p99,
    'run.p50': col('run').p50, 'create.p50': col('create').p50, 'start.p50': col('start').p50,
    'stop.p50': col('stop').p50, 'remove.p50': col('remove').p50,
  };
}
