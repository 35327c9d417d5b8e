/**
 * `npm run soak -- --minutes N [--pods M] [--heap-of daemon|keeper|emulator [--snapshots 3,20] [--snapshot-dir D]]
 * [--samples-out FILE]` — memory and file-descriptor soak (issue 12). Flags: ./flags.ts (`--help` prints them, an
 * unknown flag exits 2).
 *
 * The real daemon on the emulator with real pod networking; M workers churn pods (run, create, start a
 * container writing numbered lines, hold, stop, remove) for N minutes while the RSS, PSS and open fds of the
 * daemon, the IO keeper and the emulator service are sampled from /proc. Prints per process the memory slope in
 * MiB/hour (linear regression) and fds at baseline, peak and after every pod is gone; then the leak audit and
 * the lost log lines. RSS is also split by mapping (smaps.ts: C heap's main arena, other anonymous, file-backed)
 * with a slope for each; `--heap-of` samples one process's JS heap through its inspector (heap-watch.ts: run
 * inside bench/isolated.sh, it uses port 9229) and writes heap snapshots at the given minutes for
 * heap-diff.ts; `--samples-out` writes every sample as JSON lines. Exits 1 when fds do not return to baseline,
 * something leaked or a line was lost.
 * Creates Linux networking: run it alone (`flock /tmp/wincri-net.lock npm run soak -- …`).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { intFlag, numFlag, strFlag } from '../lib/flags.js';
import { handleArgs } from '../lib/usage.js';
import { SOAK_FLAGS } from './flags.js';
import { call } from '../../test/e2e/harness.js';
import { Churn } from '../chaos/workload.js';
import { checkLog, leaksAfter, listing, recordPreexistingLeaks } from '../chaos/checks.js';
import { pidOf, startWorld, type Victim, type World } from '../chaos/world.js';
import { fdCount, floorSlopeMiBPerHour, sample, secondHalf, slopeMiBPerHour, type KiBKey, type Sample } from './sample.js';
import { HeapWatch } from './heap-watch.js';

export interface ProcessSoak {
  name: Victim; pid: number; rssSlope: number; pssSlope: number; /** Over the second half of the run only: warm-up (JIT, heap sizing) excluded. */ rssSlopeLate: number; pssSlopeLate: number;
  rssStartMiB: number; rssEndMiB: number; fdBaseline: number; fdPeak: number; fdAfter: number;
  /** Per part of memory (RSS by mapping kind; JS heap figures of the inspected process): MiB at start and end, slope whole / 2nd half. */
  parts: { key: KiBKey; startMiB: number; endMiB: number; minMiB: number; maxMiB: number; slope: number; slopeLate: number; floorSlope: number }[];
  /** Slope of the lowest RSS in each 2-minute window (sample.ts floorSlopeMiBPerHour): what a leak lifts. */
  rssFloorSlope: number;
}
export interface SoakOptions { minutes: number; pods: number; heapOf?: Victim; snapshotsAt?: number[]; snapshotDir?: string; samplesOut?: string; log?: (s: string) => void }
const PARTS: KiBKey[] = ['brkKiB', 'anonKiB', 'fileKiB', 'heapUsedKiB', 'heapTotalKiB', 'externalKiB', 'arrayBuffersKiB'];
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
async function churnFor(w: World, run: string, pods: number, ms: number, onTick?: () => Promise<void>): Promise<Churn> {
  const churn = new Churn(w, run, { holdMs: 1500, periodS: 0.2 });
  churn.start(pods);
  const end = Date.now() + ms;
  while (Date.now() < end) { await sleep(Math.min(5000, Math.max(0, end - Date.now()))); await onTick?.(); }
  await churn.stop();
  await removeAll(w);
  return churn;
}

function partsOf(s: Sample[]): ProcessSoak['parts'] {
  const late = secondHalf(s);
  return PARTS.filter((k) => s.some((x) => x[k] !== undefined)).map((key) => {
    const has = s.filter((x) => x[key] !== undefined);
    const v = has.map((x) => x[key]! / 1024);
    return { key, startMiB: v[0]!, endMiB: v[v.length - 1]!, minMiB: Math.min(...v), maxMiB: Math.max(...v), slope: slopeMiBPerHour(s, key), slopeLate: slopeMiBPerHour(late, key), floorSlope: floorSlopeMiBPerHour(s, key) };
  });
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const w = await startWorld();
  const foreign = await recordPreexistingLeaks(w);
  if (foreign.length > 0) console.error(`not counted (unowned before this run started): ${foreign.join('; ')}`);
  let watch: HeapWatch | undefined;
  try {
    // Warm-up: the first pods load code, open the keeper and emulator connections and fill caches.
    await churnFor(w, `${process.pid}-warm`, o.pods, 5000);
    const pids = NAMES.map((n) => pidOf(w, n)!);
    if (pids.some((p) => !p)) throw new Error(`a process is missing: ${NAMES.map((n, i) => `${n}=${pids[i]}`).join(' ')}`);
    const watched = o.heapOf ? NAMES.indexOf(o.heapOf) : -1;
    if (o.heapOf) watch = await HeapWatch.open(pids[watched]!, o.heapOf, o.snapshotsAt ?? [], o.snapshotDir ?? '/tmp');
    const baseline = pids.map(fdCount); // with the inspector's sockets, if any (closed only at the end)
    if (o.samplesOut) writeFileSync(o.samplesOut, '');
    const t0 = Date.now();
    const samples: Sample[][] = pids.map(() => []);
    const tick = async () => {
      const heap = await watch?.tick((Date.now() - t0) / 60_000);
      pids.forEach((p, i) => {
        const x: Sample = { ...sample(p, t0), ...(i === watched ? heap : {}) };
        samples[i]!.push(x);
        if (o.samplesOut) appendFileSync(o.samplesOut, JSON.stringify({ name: NAMES[i], ...x }) + '\n');
      });
    };
    await tick();
    const churn = await churnFor(w, `${process.pid}-soak`, o.pods, o.minutes * 60_000, async () => {
      await tick();
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
      const late = secondHalf(s);
      return { name, pid: pids[i]!, rssSlope: slopeMiBPerHour(s, 'rssKiB'), pssSlope: slopeMiBPerHour(s, 'pssKiB'),
        rssSlopeLate: slopeMiBPerHour(late, 'rssKiB'), pssSlopeLate: slopeMiBPerHour(late, 'pssKiB'), rssStartMiB: s[0]!.rssKiB / 1024, rssEndMiB: s[s.length - 1]!.rssKiB / 1024, fdBaseline: baseline[i]!, fdPeak, fdAfter: after[i]!, parts: partsOf(s), rssFloorSlope: floorSlopeMiBPerHour(s, 'rssKiB') };
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
    await watch?.close();
    await w.stop();
  }
}

/** The soak's options from the command line (./flags.ts): read before anything starts. */
export function soakOptionsFromArgv(): Omit<SoakOptions, 'log'> {
  const heapOf = strFlag('heap-of') as Victim | undefined;
  if (heapOf && !NAMES.includes(heapOf)) throw new Error(`--heap-of: unknown process "${heapOf}" (${NAMES.join(', ')})`);
  const snapshotsAt = (strFlag('snapshots') ?? '').split(',').filter(Boolean).map(Number);
  return { minutes: numFlag('minutes', 10), pods: intFlag('pods', 5), heapOf, snapshotsAt, snapshotDir: strFlag('snapshot-dir'), samplesOut: strFlag('samples-out') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  handleArgs('node dist/bench/soak/main.js', SOAK_FLAGS);
  const r = await runSoak({ ...soakOptionsFromArgv(), log: (s) => console.log(s) });
  console.log(`\nsoak: ${r.minutes} min, ${r.pods} pods churned`);
  console.log('process    RSS MiB/h  PSS MiB/h  2nd half RSS/PSS MiB/h  RSS floor MiB/h  RSS start→end MiB  fds baseline / peak / after');
  for (const p of r.processes) {
    console.log(`${p.name.padEnd(10)} ${p.rssSlope.toFixed(1).padStart(9)}  ${p.pssSlope.toFixed(1).padStart(9)}  ${`${p.rssSlopeLate.toFixed(1)} / ${p.pssSlopeLate.toFixed(1)}`.padStart(22)}  ${p.rssFloorSlope.toFixed(1).padStart(15)}  ${p.rssStartMiB.toFixed(0).padStart(8)} → ${p.rssEndMiB.toFixed(0).padEnd(6)}  ${p.fdBaseline} / ${p.fdPeak} / ${p.fdAfter}`);
  }
  console.log('\nprocess    part             start → end MiB   min … max MiB   MiB/h whole / 2nd half / floor   (brk: C heap main arena; anon: V8 heap, malloc mmaps and arenas, stacks; file: code)');
  for (const p of r.processes) {
    for (const x of p.parts) console.log(`${p.name.padEnd(10)} ${x.key.replace(/KiB$/, '').padEnd(14)} ${`${x.startMiB.toFixed(1)} → ${x.endMiB.toFixed(1)}`.padStart(15)}   ${`${x.minMiB.toFixed(1)} … ${x.maxMiB.toFixed(1)}`.padStart(13)}   ${`${x.slope.toFixed(1)} / ${x.slopeLate.toFixed(1)} / ${x.floorSlope.toFixed(1)}`.padStart(28)}`);
  }
  console.log(`leaks ${r.leaks.length}, log lines ${r.linesChecked} checked, ${r.linesLost} lost`);
  for (const p of r.problems) console.log(`PROBLEM ${p}`);
  process.exit(r.problems.length ? 1 : 0);
}
