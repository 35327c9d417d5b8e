/**
 * The steady phase's second relist client: the Go probe (./go-probe.ts) against every target, after the Node
 * client's relists, with the same warm-up and sample counts. Its figures are `relistGo.p50` / `relistGo.p99`;
 * when Go is missing or the probe fails, the reason goes into `notes` (printed under the table) and no figure.
 */
import { performance } from 'node:perf_hooks';
import type { Target } from '../target.js';
import type { Figures } from '../report.js';
import { summarize } from '../lib/stats.js';
import { goProbeUnavailable, buildGoProbe, runGoProbe } from './go-probe.js';

export async function goRelists(targets: Target[], pods: number, samples: number, warmup: number, notes: string[]): Promise<Map<Target, Figures>> {
  const out = new Map<Target, Figures>();
  const why = goProbeUnavailable();
  if (why) { notes.push(`Go relist probe skipped: ${why}`); console.error(`  ${notes.at(-1)}`); return out; }
  try {
    const a = performance.now();
    const bin = buildGoProbe();
    const b = performance.now();
    const r = await runGoProbe(bin, targets.map((t) => [t.name, t.endpoint]), { pods, warmup, samples });
    console.error(`  Go relist probe: build ${((b - a) / 1000).toFixed(1)} s, run ${((performance.now() - b) / 1000).toFixed(1)} s`);
    for (const t of targets) {
      const p = r.get(t.name)!;
      if (p.warmup) console.error(`  Go relist warm-up on ${t.name} (${p.warmup.n}, not recorded): p50 ${p.warmup.p50.toFixed(2)} ms, p99 ${p.warmup.p99.toFixed(2)} ms`);
      const s = summarize(p.samples);
      console.error(`  Go relist on ${t.name}: p50 ${s.p50.toFixed(2)} ms (ListPodSandbox p50 ${summarize(p.podsMs).p50.toFixed(2)}, ListContainers p50 ${summarize(p.ctrsMs).p50.toFixed(2)}), p99 ${s.p99.toFixed(2)} ms`);
      out.set(t, { 'relistGo.p50': s.p50, 'relistGo.p99': s.p99 });
    }
  } catch (e) {
    notes.push(`Go relist probe skipped: ${(e as Error).message.split('\n')[0]}`);
    console.error(`  ${notes.at(-1)}`);
  }
  return out;
}
