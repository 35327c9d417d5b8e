/**
 * `npm run soak -- --minutes N [--pods M]` — memory and file-descriptor soak (issue 12). Flags: ./flags.ts
 * (`--help` prints them, an unknown flag exits 2).
 *
 * The real daemon on the emulator with real pod networking; M workers churn pods (run, create, start a
 * container writing numbered lines, hold, stop, remove) for N minutes while the RSS, PSS and open fds of the
 * daemon, the IO keeper and the emulator service are sampled from /proc. Prints per process the memory slope in
 * MiB/hour (linear regression) and fds at baseline, peak and after every pod is gone; then the leak audit and
 * the lost log lines. Exits 1 when fds do not return to baseline, something leaked or a line was lost.
 * Creates Linux networking: run it alone (`flock /tmp/wincri-net.lock npm run soak -- …`).
 */
import { pathToFileURL } from 'node:url';
import { intFlag, numFlag } from '../lib/flags.js';
import { handleArgs } from '../lib/usage.js';
import { SOAK_FLAGS } from './flags.js';
import { call } from '../../test/e2e/harness.js';
import { Churn } from '../chaos/workload.js';
import { checkLog, leaksAfter, listing, recordPreexistingLeaks } from '../chaos/checks.js';
import { pidOf, startWorld, type Victim, type World } from '../chaos/world.js';
import { fdCount, sample, slopeMiBPerHour, type Sample } from './sample.js';

export interface ProcessSoak { name: Victim; pid: number; rssSlope: number; pssSlope: number; /** Over the second half of the run only: warm-up (JIT, heap sizing) excluded. */ rssSlopeLate: number; pssSlopeLate: number; rssStartMiB: number; rssEndMiB: number; fdBaseline: number; fdPeak: number; fdAfter: number }
export interface SoakResult { minutes: number; pods: number; processes: ProcessSoak[]; leaks: string[]; linesChecked: number; linesLost: number; problems: string[] }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NAMES: Victim[] = ['daemon', 'keeper', 'emulator'];

async function removeAll(w: World): Promise<void> {
  for (const p of (await listing(w)).pods) {
    await call(w.daemon.runtime, 'StopPodSandbox', { podSandboxId: p.id }, 120_000);
    await call(w.daemon.runtime, 'RemovePodSandbox', { podSandboxId: p.id }, 120_000);
  }
}

/** One churn of `pods` workers for `ms`, then every pod removed; returns the pods it ran. */
async function churnFor(w: World, run: string, pods: number, ms: number, onTick?: () => void): Promise<Churn> {
  const churn = new Churn(w, run, { holdMs: 1500, periodS: 0.2 });
  churn.start(pods);
  const end = Date.now() + ms;
  while (Date.now() < end) { await sleep(Math.min(5000, Math.max(0, end - Date.now()))); onTick?.(); }
  await churn.stop();
  await removeAll(w);
  return churn;
}

export async function runSoak(o: { minutes: number; pods: number; log?: (s: string) => void }): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const w = await startWorld();
  const foreign = await recordPreexistingLeaks(w);
  if (foreign.length > 0) console.error(`not counted (unowned before this run started): ${foreign.join('; ')}`);
  try {
    // Warm-up: the first pods load code, open the keeper and emulator connections and fill caches.
    await churnFor(w, `${process.pid}-warm`, o.pods, 5000);
    const pids = NAMES.map((n) => pidOf(w, n)!);
    if (pids.some((p) => !p)) throw new Error(`a process is missing: ${NAMES.map((n, i) => `${n}=${pids[i]}`).join(' ')}`);
    const baseline = pids.map(fdCount);
    const t0 = Date.now();
    const samples: Sample[][] = pids.map(() => []);
    const tick = () => pids.forEach((p, i) => samples[i]!.push(sample(p, t0)));
    tick();
    const churn = await churnFor(w, `${process.pid}-soak`, o.pods, o.minutes * 60_000, () => {
      tick();
      const last = samples.map((s) => s[s.length - 1]!);
      log(`${((Date.now() - t0) / 60_000).toFixed(1)} min  ${NAMES.map((n, i) => `${n} rss ${(last[i]!.rssKiB / 1024).toFixed(0)} MiB fds ${last[i]!.fds}`).join('  ')}`);
    });
    // Pods are gone: fds must come back to the baseline (closing is asynchronous: wait for it).
    const end = Date.now() + 30_000;
    let after = pids.map(fdCount);
    while (after.some((n, i) => n > baseline[i]!) && Date.now() < end) { await sleep(500); after = pids.map(fdCount); }
    const problems: string[] = [];
    const processes = NAMES.map((name, i): ProcessSoak => {
      const s = samples[i]!;
      const fdPeak = Math.max(...s.map((x) => x.fds));
      if (after[i]! > baseline[i]!) problems.push(`${name}: ${after[i]} open fds after every pod is gone, ${baseline[i]} at baseline`);
      const late = s.filter((x) => x.t >= s[s.length - 1]!.t / 2);
      return { name, pid: pids[i]!, rssSlope: slopeMiBPerHour(s, 'rssKiB'), pssSlope: slopeMiBPerHour(s, 'pssKiB'),
        rssSlopeLate: slopeMiBPerHour(late, 'rssKiB'), pssSlopeLate: slopeMiBPerHour(late, 'pssKiB'), rssStartMiB: s[0]!.rssKiB / 1024, rssEndMiB: s[s.length - 1]!.rssKiB / 1024, fdBaseline: baseline[i]!, fdPeak, fdAfter: after[i]! };
    });
    const leaks = await leaksAfter(w, 30_000);
    for (const l of leaks) problems.push(`LEAK ${l}`);
    let linesChecked = 0, linesLost = 0;
    for (const t of churn.pods) {
      const c = checkLog(t.logPath);
      linesChecked += c.lines;
      linesLost += c.lost.length;
      if (c.lost.length) problems.push(`pod ${t.name}: ${c.lost.length} log line(s) lost`);
      if (c.duplicates) problems.push(`pod ${t.name}: ${c.duplicates} log line(s) written twice`);
    }
    return { minutes: o.minutes, pods: churn.pods.length, processes, leaks, linesChecked, linesLost, problems };
  } finally {
    await w.stop();
  }
}

/** The soak's options from the command line (./flags.ts): read before anything starts. */
export function soakOptionsFromArgv(): { minutes: number; pods: number } {
  return { minutes: numFlag('minutes', 10), pods: intFlag('pods', 5) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  handleArgs('node dist/bench/soak/main.js', SOAK_FLAGS);
  const r = await runSoak({ ...soakOptionsFromArgv(), log: (s) => console.log(s) });
  console.log(`\nsoak: ${r.minutes} min, ${r.pods} pods churned`);
  console.log('process    RSS MiB/h  PSS MiB/h  2nd half RSS/PSS MiB/h  RSS start→end MiB  fds baseline / peak / after');
  for (const p of r.processes) {
    console.log(`${p.name.padEnd(10)} ${p.rssSlope.toFixed(1).padStart(9)}  ${p.pssSlope.toFixed(1).padStart(9)}  ${`${p.rssSlopeLate.toFixed(1)} / ${p.pssSlopeLate.toFixed(1)}`.padStart(22)}  ${p.rssStartMiB.toFixed(0).padStart(8)} → ${p.rssEndMiB.toFixed(0).padEnd(6)}  ${p.fdBaseline} / ${p.fdPeak} / ${p.fdAfter}`);
  }
  console.log(`leaks ${r.leaks.length}, log lines ${r.linesChecked} checked, ${r.linesLost} lost`);
  for (const p of r.problems) console.log(`PROBLEM ${p}`);
  process.exit(r.problems.length ? 1 : 0);
}
