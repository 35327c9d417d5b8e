/**
 * One chaos round: churn pods with `pods` workers, kill -9 one process (daemon, IO keeper or emulator service)
 * at a random moment, let it come back, check every invariant, then stop and remove every pod and check that
 * nothing is left. Every violated invariant is one line in `problems`.
 */
import { call } from '../../test/e2e/harness.js';
import { Churn, type PodTrack } from './workload.js';
import { checkLog, inconsistencies, leaksAfter, listing } from './checks.js';
import { helperCounts, kill9, processesWith, recover, type Victim, type World } from './world.js';

export interface RoundResult {
  round: number; victim: Victim; killAfterMs: number; phases: Record<string, number>; pods: number; runningAtKill: number;
  leaks: number; linesLost: number; linesChecked: number; problems: string[]; ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(ms: number, fn: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await sleep(200);
  }
}

interface Held { t: PodTrack; pids: number[]; maxLine: number }

export async function chaosRound(w: World, round: number, victim: Victim, pods: number, opts: { maxKillMs: number; holdMs: number; periodS: number }): Promise<RoundResult> {
  const t0 = Date.now();
  const problems: string[] = [];
  const churn = new Churn(w, `${process.pid}-${round}`, { holdMs: opts.holdMs, periodS: opts.periodS });
  churn.start(pods);
  const killAfterMs = Math.round(500 + Math.random() * opts.maxKillMs);
  await sleep(killAfterMs);
  churn.freeze();
  // What runs right before the kill: those containers must keep running (same processes) and keep logging. A
  // container's shell forks its `sleep`, and the child carries the shell's command line (and so the mark) until
  // its exec: only processes seen in two scans 50 ms apart count as the container's own.
  const marked = (t: PodTrack) => processesWith(churn.markOf(t.name) + ';').map((p) => p.pid);
  const first = churn.pods.filter((t) => t.phase === 'running').map((t) => ({ t, pids: marked(t) }));
  await sleep(50);
  const held: Held[] = first.map(({ t, pids }) => {
    const again = marked(t);
    return { t, pids: pids.filter((p) => again.includes(p)), maxLine: checkLog(t.logPath).max };
  });
  const phases = churn.pods.reduce<Record<string, number>>((m, t) => ({ ...m, [t.phase]: (m[t.phase] ?? 0) + 1 }), {});
  const killed = await kill9(w, victim);
  await churn.stop();
  await recover(w, victim, killed);

  // A helper started twice (daemon and keeper both reconnecting) must find the first and exit: wait for that.
  let counts = helperCounts(w);
  await waitUntil(10_000, () => Object.values(counts = helperCounts(w)).every((n) => n === 1));
  for (const [k, n] of Object.entries(counts)) if (n !== 1) problems.push(`${n} ${k} processes serve this root after the ${victim} kill (expected 1)`);
  for (const h of held) {
    const st = await call(w.daemon.runtime, 'ContainerStatus', { containerId: h.t.containerId }, 30_000).catch((e: Error) => ({ error: e.message }));
    const state = (st as { status?: { state: string } }).status?.state;
    if (state !== 'CONTAINER_RUNNING') problems.push(`pod ${h.t.name}: container was running before the ${victim} kill, now ${state ?? (st as { error: string }).error}`);
    const alive = processesWith(churn.markOf(h.t.name) + ';').map((p) => p.pid);
    const gone = h.pids.filter((p) => !alive.includes(p));
    if (gone.length) problems.push(`pod ${h.t.name}: container processes ${gone.join(',')} died across the ${victim} kill`);
  }
  await Promise.all(held.map(async (h) => {
    if (!(await waitUntil(15_000, () => checkLog(h.t.logPath).max > h.maxLine + 1))) {
      problems.push(`pod ${h.t.name}: log stopped growing after the ${victim} kill (last line ${checkLog(h.t.logPath).max}, ${h.maxLine} before the kill)`);
    }
  }));
  const l = await listing(w);
  problems.push(...await inconsistencies(w, l));
  // A process of ours whose pod has no running container is an orphan.
  const runningPods = new Set(l.containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => l.pods.find((p) => p.id === c.podSandboxId)?.name));
  for (const t of churn.pods) {
    const procs = processesWith(churn.markOf(t.name) + ';');
    if (procs.length && !runningPods.has(t.name)) problems.push(`pod ${t.name}: ${procs.length} container process(es) run (${procs.map((p) => p.pid).join(',')}) but no running container owns them`);
  }
  const leaks = await leaksAfter(w, 30_000);
  for (const x of leaks) problems.push(`after the ${victim} kill: LEAK ${x}`);

  // Clean up everything, as kubelet would: StopPodSandbox + RemovePodSandbox of every pod listed.
  for (const p of l.pods) {
    try {
      await call(w.daemon.runtime, 'StopPodSandbox', { podSandboxId: p.id }, 120_000);
      await call(w.daemon.runtime, 'RemovePodSandbox', { podSandboxId: p.id }, 120_000);
    } catch (e) { problems.push(`pod ${p.name}: Stop/RemovePodSandbox after the ${victim} kill failed: ${(e as Error).message}`); }
  }
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
  if (!(await waitUntil(15_000, () => churn.pods.every((t) => processesWith(churn.markOf(t.name) + ';').length === 0)))) {
    problems.push(`after removing every pod: container processes still run: ${churn.pods.flatMap((t) => processesWith(churn.markOf(t.name) + ';').map((p) => p.pid)).join(',')}`);
  }
  const left = await leaksAfter(w, 30_000);
  for (const x of left) problems.push(`after removing every pod: LEAK ${x}`);
  return {
    round, victim, killAfterMs, phases, pods: churn.pods.length, runningAtKill: held.length, leaks: leaks.length + left.length,
    linesLost, linesChecked, problems, ms: Date.now() - t0,
  };
}
