/**
 * Steady state: idle CPU over a quiet window at 0 pods and memory (PSS summed over the runtime's processes) at its
 * end, then with N running pods (1 sleeping container each) on every target the PLEG relist (ListPodSandbox nil +
 * ListContainers {}, as kubelet's relist does) p50/p99, measured on all targets interleaved, then idle CPU and
 * memory again; the pods are removed at the end. The relists are timed by two clients: the bench's own grpc-js one and
 * a Go one like kubelet's (../steady/go-relists.ts), both printed.
 */
import { performance } from 'node:perf_hooks';
import type { Target } from '../target.js';
import { summarize, sleep } from '../lib/stats.js';
import { pssKiB, rssKiB, cpuSnapshot, cpuUsed, TICK_MS } from '../lib/procs.js';
import { call } from '../targets/client.js';
import { runPod, createContainer, removePod, pool, SLEEP, type Pod } from './pods.js';
import type { Figures } from '../report.js';
import type { RelistTrace } from '../steady/trace.js';
import { goRelists, prepareGoProbe } from '../steady/go-relists.js';
import type { IdleTrace } from '../steady/idle-trace.js';

function memory(t: Target, when: string): { pss: number; rss: number; procs: number } {
  const pids = t.pids();
  if (pids.length <= 4) console.error(`  ${t.name} PSS per process, ${when} (MiB): ${pids.map((p) => `${p} ${(pssKiB(p) / 1024).toFixed(1)}`).join(', ')}`);
  return { pss: pids.reduce((n, p) => n + pssKiB(p), 0) / 1024, rss: pids.reduce((n, p) => n + rssKiB(p), 0) / 1024, procs: pids.length };
}

/**
 * CPU of every target's processes over one and the same window of `seconds` of nothing happening, in % of one
 * core each: measured one target after the other, the later ones had rested longer (and shared the machine with
 * a different load) than the first.
 */
async function idleCpu(targets: Target[], seconds: number, idle?: { trace: IdleTrace; window: string }): Promise<number[]> {
  const pids = targets.map((t) => t.pids());
  const before = pids.map((p) => cpuSnapshot(p));
  const a = performance.now();
  const w = targets.findIndex((t) => t.name === 'wincri');
  if (idle && w >= 0) await idle.trace.during(idle.window, pids[w]!, () => sleep(seconds * 1000));
  else await sleep(seconds * 1000);
  const ms = performance.now() - a;
  return pids.map((p, i) => ((cpuUsed(before[i]!, cpuSnapshot(p)) * TICK_MS) / ms) * 100);
}

/** Seconds without requests before the "at rest" window starts (after the window that follows the burst). */
const REST_S = 10;

/**
 * The "at rest" window: after the window right after the last requests (`since` s after them), every target waits
 * until it has had REST_S s without requests, then idle CPU over a second window of the same length. The first
 * window holds what the last burst leaves behind (wincri's idle collection, Go's scavenger); this one the runtime
 * with nothing left to do.
 */
async function restingCpu(targets: Target[], seconds: number, since: number, idle?: { trace: IdleTrace; window: string }): Promise<number[]> {
  await sleep(Math.max(0, REST_S - since) * 1000);
  return idleCpu(targets, seconds, idle);
}

/** A PLEG relist as kubelet's relist does it; checks that it saw every pod (at least `pods`, as the Go probe does). Returns the ms of each list call. */
async function relist(t: Target, pods: number): Promise<[number, number]> {
  const a = performance.now();
  const p = await call(t.runtime, 'ListPodSandbox', {});
  const b = performance.now();
  const c = await call(t.runtime, 'ListContainers', { filter: {} });
  const e = performance.now();
  if (p.items.length < pods || c.containers.length < pods) throw new Error(`${t.name}: relist saw ${p.items.length} pods, ${c.containers.length} containers; expected at least ${pods}`);
  return [b - a, e - b];
}

/**
 * Relist latencies (ms) of every target, `samples` each, interleaved in blocks of BLOCK (after WARM unrecorded
 * relists at each switch, the order rotating each round) as the Version phase is (./rpc.ts): measured one target
 * after the other, the p50 ratio moved between 0.2 and 1.1 across three runs on the shared machine.
 */
async function interleavedRelists(targets: Target[], pods: number, samples: number, trace?: RelistTrace): Promise<number[][]> {
  const BLOCK = 20;
  const WARM = 3;
  const s: number[][] = targets.map(() => []);
  for (let round = 0; round * BLOCK < samples; round++) {
    for (let k = 0; k < targets.length; k++) {
      const j = (round + k) % targets.length;
      for (let i = 0; i < WARM; i++) await relist(targets[j]!, pods);
      for (let i = 0; i < Math.min(BLOCK, samples - round * BLOCK); i++) {
        trace?.before(targets[j]!);
        const a = performance.now();
        const [pl, cl] = await relist(targets[j]!, pods);
        s[j]!.push(performance.now() - a);
        trace?.after(targets[j]!, a, pl, cl);
      }
    }
  }
  return s;
}

/**
 * `warmup` unrecorded relists on each target, one target after the other, before the recorded ones; their p50/p99
 * are printed (not in the table). wincri's daemon runs on V8, which optimizes a code path only after it has run a
 * while: in the daemon's first ~2 500 relists its background thread compiles (TurboFan) and the relist runs partly
 * unoptimized; without a warm-up the bench's 1 000 recorded samples all fell inside that window (p50 2.2–3.1 ms in
 * the first third of the samples, 1.3–1.4 in the last, containerd 1.3–1.7 throughout). kubelet relists every
 * second for the life of the node: the figure is the steady state, the warm-up is printed beside it.
 */
async function warmRelists(targets: Target[], pods: number, warmup: number): Promise<void> {
  if (!warmup) return;
  for (const t of targets) {
    const ms: number[] = [];
    for (let i = 0; i < warmup; i++) {
      const a = performance.now();
      await relist(t, pods);
      ms.push(performance.now() - a);
    }
    const r = summarize(ms);
    console.error(`  relist warm-up on ${t.name} (${warmup}, not recorded): p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
  }
}

/** The relists of every target: warm-up, the Node client's (interleaved), then the Go client's (into `figures`). */
async function relistBurst(targets: Target[], pods: number, samples: number, warmup: number, goProbe: string | undefined, figures: Map<Target, Figures>, notes: string[], trace?: RelistTrace): Promise<number[][]> {
  await warmRelists(targets, pods, warmup);
  const relists = await interleavedRelists(targets, pods, samples, trace);
  // The same relists from a Go client (kubelet's language), after the Node client's: same counts, interleaved.
  for (const [t, f] of await goRelists(goProbe, targets, pods, samples, warmup, notes)) Object.assign(figures.get(t)!, f);
  return relists;
}

/**
 * Every target's steady state: idle CPU (all targets over the same window) and memory at 0 pods, N running pods on
 * every target, the relists of all targets interleaved, then idle CPU (same window) and memory at N pods; the pods
 * are removed. Each idle window 2 s after the last requests is followed by an "at rest" one (restingCpu). With no relist samples (`--relist-samples 0`) the N-pod window follows the pod starts: idle without
 * a relist burst before it. `idle`: wincri's threads sampled over both windows (../steady/idle-trace.ts).
 */
export async function steadyPhase(targets: Target[], pods: number, samples: number, idleSeconds: number, trace?: RelistTrace, warmup = 0, notes: string[] = [], idle?: IdleTrace): Promise<Map<Target, Figures>> {
  const figures = new Map<Target, Figures>(targets.map((t) => [t, {}]));
  const made = new Map<Target, Pod[]>(targets.map((t) => [t, []]));
  const goProbe = samples > 0 ? prepareGoProbe(notes) : undefined; // built before the quiet window: a build would take the CPU measured
  try {
    // Idle CPU over the quiet window first (all targets at once), then memory at its end: "at rest" for both
    // runtimes (V8 and Go's scavenger both give memory back some time after work; the previous phase's burst
    // ended 2 s before the window).
    await sleep(2000);
    const cpu0 = await idleCpu(targets, idleSeconds, idle && { trace: idle, window: '0 pods' });
    for (const [j, t] of targets.entries()) {
      const mem0 = memory(t, '0 pods');
      Object.assign(figures.get(t)!, { 'mem0.pss': mem0.pss, 'mem0.procs': mem0.procs, 'cpu0': cpu0[j]! });
    }
    const rest0 = await restingCpu(targets, idleSeconds, 2 + idleSeconds, idle && { trace: idle, window: '0 pods, at rest' });
    for (const [j, t] of targets.entries()) figures.get(t)!['cpu0.rest'] = rest0[j]!;
    for (const t of targets) {
      await pool(pods, 5, async () => {
        const pod = await runPod(t, 'st');
        made.get(t)!.push(pod);
        const cid = await createContainer(t, pod, 'c0', SLEEP);
        await call(t.runtime, 'StartContainer', { containerId: cid });
      });
    }
    const relists = samples > 0 ? await relistBurst(targets, pods, samples, warmup, goProbe, figures, notes, trace) : undefined;
    await sleep(2000);
    const cpuN = await idleCpu(targets, idleSeconds, idle && { trace: idle, window: `${pods} pods${relists ? '' : ', no relists before'}` });
    for (const [j, t] of targets.entries()) {
      const memN = memory(t, `${pods} pods`);
      Object.assign(figures.get(t)!, { 'memN.pss': memN.pss, 'memN.rss': memN.rss, 'memN.procs': memN.procs, 'cpuN': cpuN[j]! });
      if (relists) { const r = summarize(relists[j]!); Object.assign(figures.get(t)!, { 'relist.p50': r.p50, 'relist.p99': r.p99 }); }
    }
    const restN = await restingCpu(targets, idleSeconds, 2 + idleSeconds, idle && { trace: idle, window: `${pods} pods, at rest` });
    for (const [j, t] of targets.entries()) figures.get(t)!['cpuN.rest'] = restN[j]!;
    return figures;
  } finally {
    for (const [t, list] of made) await pool(list.length, 5, async (i) => { await removePod(t, list[i]!.id); });
  }
}
