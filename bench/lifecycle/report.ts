/**
 * Where the slow pod starts went (--lifecycle-trace): per target, the slowest tenth of the sequential samples, each
 * against the median sample — per-RPC client times, for wincri the server-side parts of RunPodSandbox /
 * CreateContainer / StartContainer and the daemon's GC pauses, and what the machine did meanwhile.
 */
import type { TracedSample } from './trace.js';
import { summarize } from '../lib/stats.js';

const START = ['RunPodSandbox', 'CreateContainer', 'StartContainer'];

function line(s: TracedSample): string {
  const srv = s.server ? START.map((m) => { const x = s.server![m]!; return `${m.replace(/PodSandbox|Container/, '')} ${x.ms.toFixed(0)} (plat ${x.platform.toFixed(0)}, keeper ${x.keeper.toFixed(0)}, cni ${x.cni.toFixed(0)})`; }).join('; ') : '';
  return `  ${s.podStart.toFixed(1)} ms = run ${s.run.toFixed(1)} + create ${s.create.toFixed(1)} + start ${s.start.toFixed(1)} [round ${s.round} #${s.pos}]`
    + ` | cpu stall ${s.psiCpuMs.toFixed(0)}, io stall ${s.psiIoMs.toFixed(0)}, kernel ${s.kernelMs} (kernel threads ${s.kthreadMs}), machine busy ${s.busyMs}, runtime cpu ${s.runtimeCpuMs} ms`
    + (srv ? `\n      server: ${srv}; CNI ADD ${s.server!['CNI ADD']?.ms.toFixed(0)}` : '')
    + (s.gcs ? `\n      daemon GC in the whole lifecycle: ${s.gcMs!.toFixed(1)} ms${s.gcs.length ? ` (${s.gcs.join(', ')})` : ''}` : '');
}

export function slowSamples(samples: TracedSample[]): string {
  const out: string[] = [];
  for (const name of [...new Set(samples.map((s) => s.target))]) {
    const mine = samples.filter((s) => s.target === name).sort((a, b) => a.podStart - b.podStart);
    if (!mine.length) continue;
    const slow = mine.slice(Math.floor(mine.length * 0.9));
    const p50 = summarize(mine.map((s) => s.podStart)).p50;
    const median = mine.find((s) => s.podStart === p50)!;
    // A block's first sample follows the other targets' blocks (this target's idle collections ran meanwhile).
    const firstOverRest = [...new Set(mine.map((s) => s.round))].map((r) => {
      const block = mine.filter((s) => s.round === r);
      const first = block.find((s) => s.pos === 0);
      const rest = block.filter((s) => s.pos !== 0).map((s) => s.podStart);
      return first && rest.length ? first.podStart / summarize(rest).p50 : NaN;
    }).filter((x) => !Number.isNaN(x));
    const withGc = mine.filter((s) => s.gcs?.some((g) => g.includes('forced'))).length;
    out.push(`${name}: median sample\n${line(median)}`);
    out.push(`${name}: slowest ${slow.length} of ${mine.length}\n${slow.reverse().map(line).join('\n')}`);
    out.push(`${name}: a block's first pod start over the p50 of the rest of its block, median of ${firstOverRest.length} blocks: ${summarize(firstOverRest).p50.toFixed(2)}×`
      + (mine[0]!.gcs ? `; samples with an idle (forced) daemon GC inside: ${withGc} of ${mine.length}` : ''));
  }
  return out.join('\n');
}
