/**
 * One chaos round: churn pods with `pods` workers, kill -9 one process (daemon, IO keeper or emulator service)
 * at a random moment, let it come back, check every invariant, then stop and remove every pod and check that
 * nothing is left. Every violated invariant is one line in `problems`.
 */
import { call } from '../../test/e2e/harness.js';
import { eachLimited } from '../lib/each-limited.js';
import { Churn, type PodTrack } from './workload.js';
import { checkLog, inconsistencies, leaksAfter, listing } from './checks.js';
import { helperCounts, kill9, processesWith, recover, type Victim, type World } from './world.js';
import { withoutForks } from './forks.js';

export interface RoundResult {
  round: number; victim: Victim; killAfterMs: number; phases: Record<string, number>; pods: number; runningAtKill: number;
  leaks: number; linesLost: number; linesChecked: number; problems: string[]; ms: number;
  /** Seconds each stage of the round took (churn until the kill, recovery, checks, audit, clean-up, final audit). */
  stages: Record<string, number>;
}

/** Pods stopped and removed at once in a round's clean-up (one after the other, 100 pods took 70 s on a loaded host). */
const CLEANUP_CONCURRENCY = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(ms: number, fn: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await sleep(200);
  }
}

/**
 * The container processes of this round's pods, from one /proc scan (a scan per pod read every process's command
 * line 100 times over: minutes per check on a loaded host, and the kill came that much later than drawn); forks
 * not yet exec'd are not theirs (./forks.ts).
 */
const scanRound = (churn: Churn) => withoutForks(processesWith(churn.markOf('')));
/** A pod's processes in a scan: its marker ends with ';' in the container's shell script. */
const pidsOf = (scan: { pid: number; cmd: string }[], churn: Churn, t: PodTrack) => {
  const mark = churn.markOf(t.name) + ';';
  return scan.filter((p) => p.cmd.includes(mark)).map((p) => p.pid);
};

interface Held { t: PodTrack; pids: number[]; maxLine: number }

export async function chaosRound(w: World, round: number, victim: Victim, pods: number, opts: { maxKillMs: number; holdMs: number; periodS: number }): Promise<RoundResult> {
  const t0 = Date.now();
  const stages: Record<string, number> = {};
  let lap = t0;
  const stage = (name: string) => { const now = Date.now(); stages[name] = Math.round((now - lap) / 100) / 10; lap = now; };
  const problems: string[] = [];
  const churn = new Churn(w, `${process.pid}-${round}`, { holdMs: opts.holdMs, periodS: opts.periodS });
  churn.start(pods);
  const killAfterMs = Math.round(500 + Math.random() * opts.maxKillMs);
  await sleep(killAfterMs);
  churn.freeze();
  // What runs right before the kill: those containers must keep running (same processes) and keep logging. A
  // container's shell forks its `sleep`, and the child carries the shell's command line (and so the mark) until
  // its exec: such forks are left out (./forks.ts), and only processes seen in two scans 50 ms apart count.
  const scan1 = scanRound(churn);
  const first = churn.pods.filter((t) => t.phase === 'running').map((t) => ({ t, pids: pidsOf(scan1, churn, t) }));
  await sleep(50);
  const scan2 = scanRound(churn);
  const held: Held[] = first.map(({ t, pids }) => {
    const again = pidsOf(scan2, churn, t);
    return { t, pids: pids.filter((p) => again.includes(p)), maxLine: checkLog(t.logPath).max };
  });
  const phases = churn.pods.reduce<Record<string, number>>((m, t) => ({ ...m, [t.phase]: (m[t.phase] ?? 0) + 1 }), {});
  stage('churn');
  const killed = await kill9(w, victim);
  await churn.stop();
  await recover(w, victim, killed);
  stage('recover');

  // A helper started twice (daemon and keeper both reconnecting) must find the first and exit: wait for that.
  let counts = helperCounts(w);
  await waitUntil(10_000, () => Object.values(counts = helperCounts(w)).every((n) => n === 1));
  for (const [k, n] of Object.entries(counts)) if (n !== 1) problems.push(`${n} ${k} processes serve this root after the ${victim} kill (expected 1)`);
  // A StopPodSandbox cut short by the kill (the platform may have finished part of it: the namespace deleted, the
  // answer lost) is retried, as kubelet's pod worker retries a failed stop; the checks below see where it ends.
  await eachLimited(churn.pods.filter((t) => t.phase === 'stopping' && t.error !== undefined && t.id !== undefined), 10, async (t) => {
    await call(w.daemon.runtime, 'StopPodSandbox', { podSandboxId: t.id! }, 30_000)
      .catch((e: Error) => problems.push(`pod ${t.name}: StopPodSandbox retried after the ${victim} kill failed: ${e.message}`));
  });
  const afterKill = scanRound(churn);
  await eachLimited(held, 10, async (h) => {
    const st = await call(w.daemon.runtime, 'ContainerStatus', { containerId: h.t.containerId }, 30_000).catch((e: Error) => ({ error: e.message }));
    const state = (st as { status?: { state: string } }).status?.state;
    if (state !== 'CONTAINER_RUNNING') problems.push(`pod ${h.t.name}: container was running before the ${victim} kill, now ${state ?? (st as { error: string }).error}`);
    const alive = pidsOf(afterKill, churn, h.t);
    const gone = h.pids.filter((p) => !alive.includes(p));
    if (gone.length) problems.push(`pod ${h.t.name}: container processes ${gone.join(',')} died across the ${victim} kill`);
  });
  await Promise.all(held.map(async (h) => {
    if (!(await waitUntil(15_000, () => checkLog(h.t.logPath).max > h.maxLine + 1))) {
      problems.push(`pod ${h.t.name}: log stopped growing after the ${victim} kill (last line ${checkLog(h.t.logPath).max}, ${h.maxLine} before the kill)`);
    }
  }));
  stage('held');
  const l = await listing(w);
  problems.push(...await inconsistencies(w, l));
  // A process of ours whose pod has no running container is an orphan.
  const runningPods = new Set(l.containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => l.pods.find((p) => p.id === c.podSandboxId)?.name));
  const checked = scanRound(churn);
  for (const t of churn.pods) {
    const procs = pidsOf(checked, churn, t);
    if (procs.length && !runningPods.has(t.name)) problems.push(`pod ${t.name}: ${procs.length} container process(es) run (${procs.join(',')}) but no running container owns them`);
  }
  stage('checks');
  const leaks = await leaksAfter(w, 30_000);
  for (const x of leaks) problems.push(`after the ${victim} kill: LEAK ${x}`);
  stage('audit');

  // Clean up everything, as kubelet would: StopPodSandbox + RemovePodSandbox of every pod listed, several pods at once.
  await eachLimited(l.pods, CLEANUP_CONCURRENCY, async (p) => {
    try {
      await call(w.daemon.runtime, 'StopPodSandbox', { podSandboxId: p.id }, 120_000);
      await call(w.daemon.runtime, 'RemovePodSandbox', { podSandboxId: p.id }, 120_000);
    } catch (e) { problems.push(`pod ${p.name}: Stop/RemovePodSandbox after the ${victim} kill failed: ${(e as Error).message}`); }
  });
  let linesLost = 0, linesChecked = 0;
  for (const t of churn.pods) {
    const c = checkLog(t.logPath);
    linesChecked += c.lines;
    linesLost += c.lost.length;
    if (c.lost.length) problems.push(`pod ${t.name}: ${c.lost.length} log line(s) lost (${c.lost.slice(0, 5).join(',')}${c.lost.length > 5 ? ',…' : ''} of 1..${c.max})`);
    if (c.duplicates) problems.push(`pod ${t.name}: ${c.duplicates} log line(s) written twice across the ${victim} kill`);
  }
  const after = await listing(w);
  if (after.pods.length || after.containers.length) problems.push(`after removing every pod: ${after.pods.length} pods, ${after.containers.length} containers still listed`);
  if (!(await waitUntil(15_000, () => scanRound(churn).length === 0))) {
    problems.push(`after removing every pod: container processes still run: ${scanRound(churn).map((p) => p.pid).join(',')}`);
  }
  stage('cleanup');
  const left = await leaksAfter(w, 30_000);
  for (const x of left) problems.push(`after removing every pod: LEAK ${x}`);
  stage('final audit');
  return {
    round, victim, killAfterMs, phases, pods: churn.pods.length, runningAtKill: held.length, leaks: leaks.length + left.length,
    linesLost, linesChecked, problems, ms: Date.now() - t0, stages,
  };
}
