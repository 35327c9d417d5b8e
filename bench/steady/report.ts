/**
 * Where the slow relists went (--relist-trace): per target, the median sample and the slowest 2 %, each with its
 * two list calls, the client's and the server's CPU and run-queue wait, the CPU stall and the GC pauses inside.
 */
import type { RelistSample } from './trace.js';
import { summarize } from '../lib/stats.js';

const f = (x: number) => x.toFixed(2);

function line(s: RelistSample): string {
  return `  ${f(s.ms)} ms = pods ${f(s.podsMs)} + ctrs ${f(s.ctrsMs)} | client cpu ${f(s.clientRun)} wait ${f(s.clientWait)}`
    + ` | server loop cpu ${f(s.serverRun)} wait ${f(s.serverWait)} (all threads ${f(s.serverAllRun)} / ${f(s.serverAllWait)})`
    + ` | cpu stall ${f(s.psiCpuMs)}${s.gcs.length ? ` | gc: ${s.gcs.join(', ')}` : ''}`;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

export function slowRelists(samples: RelistSample[]): string {
  const out: string[] = [];
  for (const name of [...new Set(samples.map((s) => s.target))]) {
    const mine = samples.filter((s) => s.target === name).sort((a, b) => a.ms - b.ms);
    const slow = mine.slice(Math.floor(mine.length * 0.98));
    const p50 = summarize(mine.map((s) => s.ms)).p50;
    out.push(`${name}: median sample\n${line(mine.find((s) => s.ms === p50)!)}`);
    out.push(`${name}: slowest ${slow.length} of ${mine.length}\n${[...slow].reverse().map(line).join('\n')}`);
    const keys = ['ms', 'clientRun', 'clientWait', 'serverRun', 'serverWait', 'psiCpuMs', 'clientGcMs', 'daemonGcMs'] as const;
    const avg = (xs: RelistSample[]) => keys.map((k) => `${k} ${f(mean(xs.map((s) => (s[k] as number | undefined) ?? 0)))}`).join(', ');
    out.push(`${name}: means, all: ${avg(mine)}\n${name}: means, slowest 2 %: ${avg(slow)}`);
  }
  return out.join('\n');
}
