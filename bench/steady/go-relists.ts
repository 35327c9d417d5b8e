/**
 * The steady phase's second relist client: the Go probe (./go-probe.ts) against every target, after the Node
 * client's relists, with the same warm-up and sample counts; built before the phase starts (prepareGoProbe). Every
 * target is dialed twice, in one probe process, the four connections interleaved: as kubelet's CRI client dials now,
 * with :authority "localhost" (figures `relistGo.p50` / `relistGo.p99`), and as older kubelets did, whose grpc-go
 * sent the socket path as :authority (`relistGoPath.*`; wincri routes such a connection through its :authority
 * filter). When Go is missing or the probe fails, the reason goes into `notes` (printed under the table) and no figure.
 */
import { performance } from 'node:perf_hooks';
import type { Target } from '../target.js';
import type { Figures } from '../report.js';
import { summarize } from '../lib/stats.js';
import { goProbeUnavailable, buildGoProbe, runGoProbe } from './go-probe.js';

/** The two ways a kubelet dials, the first as kubelet's CRI client dials now: probe target suffix, figure key, what it models. */
const MODES = [
  { name: 'localhost', key: 'relistGo', what: ':authority localhost, as current kubelets' },
  { name: 'path', key: 'relistGoPath', what: 'socket path as :authority, as older kubelets' },
] as const;

/**
 * Builds the probe before the phase starts (a build takes the CPU the phase measures): its path, or undefined with
 * the reason (the build's last lines of stderr when it fails) in `notes`.
 */
export function prepareGoProbe(notes: string[]): string | undefined {
  const why = goProbeUnavailable();
  if (why) { notes.push(`Go relist probe skipped: ${why}`); console.error(`  ${notes.at(-1)}`); return undefined; }
  try {
    const a = performance.now();
    const bin = buildGoProbe();
    console.error(`  Go relist probe: built in ${((performance.now() - a) / 1000).toFixed(1)} s`);
    return bin;
  } catch (e) {
    notes.push(`Go relist probe skipped: ${(e as Error).message}`);
    console.error(`  ${notes.at(-1)}`);
    return undefined;
  }
}

/** The probe (`bin`, from prepareGoProbe; none: no figures) against every target. */
export async function goRelists(bin: string | undefined, targets: Target[], pods: number, samples: number, warmup: number, notes: string[]): Promise<Map<Target, Figures>> {
  const out = new Map<Target, Figures>();
  if (!bin) return out;
  try {
    const a = performance.now();
    const endpoints = MODES.flatMap((m) => targets.map((t): [string, string] => [`${t.name}/${m.name}`, t.endpoint]));
    const localhost = targets.map((t) => `${t.name}/${MODES[0].name}`);
    const r = await runGoProbe(bin, endpoints, { pods, warmup, samples, localhost });
    console.error(`  Go relist probe: run ${((performance.now() - a) / 1000).toFixed(1)} s`);
    for (const t of targets) out.set(t, {});
    for (const m of MODES) {
      for (const t of targets) {
        const name = `${t.name}/${m.name}`;
        const p = r.get(name)!;
        if (p.warmup) console.error(`  Go relist warm-up on ${name} (${p.warmup.n}, not recorded): p50 ${p.warmup.p50.toFixed(2)} ms, p99 ${p.warmup.p99.toFixed(2)} ms`);
        const s = summarize(p.samples);
        console.error(`  Go relist on ${name} (${m.what}): p50 ${s.p50.toFixed(2)} ms (ListPodSandbox p50 ${summarize(p.podsMs).p50.toFixed(2)}, ListContainers p50 ${summarize(p.ctrsMs).p50.toFixed(2)}), p99 ${s.p99.toFixed(2)} ms`);
        Object.assign(out.get(t)!, { [`${m.key}.p50`]: s.p50, [`${m.key}.p99`]: s.p99 });
      }
    }
  } catch (e) {
    notes.push((e as Error).message.split('\n').slice(-5).join(' | '));
    console.error(`  ${notes.at(-1)}`);
  }
  return out;
}
