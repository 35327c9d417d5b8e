/**
 * Pull: rounds of one PullImage of the 5-layer image (MB/s of compressed content), then the image removed and pulled
 * by 10 concurrent PullImage calls, then removed again; each round's figure is the time of those 10 over the time of
 * its one, and the phase reports the medians over the rounds (a single one-then-ten pair on a shared machine
 * measures the load of two windows more than the runtime: a median of a few pairs taken back to back does not).
 * The targets take turns round by round, the order rotating each round (as the lifecycle and Version phases do), so
 * that a slow stretch of the shared machine falls on both instead of on whichever ran its rounds then.
 * Each timed part starts with the file systems' dirty pages written out (`sync`): what the previous target (or part)
 * left to write must not be flushed inside this one's time — wincri's layer import waits until its layer is on disk
 * (a syncfs). The CPU time of the runtime's processes (threads and waited-for children) during the one pull is
 * reported too: on a shared 2-core machine the wall time follows it; and the CPU of the ten over that of the one,
 * the part of the ratio that other processes on the machine cannot move.
 */
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import type { Target } from '../target.js';
import { call } from '../targets/client.js';
import type { Figures } from '../report.js';
import { cpuSnapshot, cpuUsed, TICK_MS } from '../lib/procs.js';
import { summarize } from '../lib/stats.js';
import { interleavedRounds } from '../lib/interleave.js';

interface Round { one: number; cpu: number; ratio: number; cpuRatio: number }

/** One round on `t`: one pull, then ten concurrent ones, each from a removed image (removed again after). */
async function pullRound(t: Target, ref: string): Promise<Round> {
  const pull = async () => call(t.image, 'PullImage', { image: { image: ref } }, 30 * 60_000);
  const cpu = () => cpuSnapshot(t.pids(), { children: true });
  const timed = async (n: number) => {
    execFileSync('sync');
    const a = performance.now();
    const c0 = cpu();
    await Promise.all(Array.from({ length: n }, pull));
    const s = (performance.now() - a) / 1000;
    const cpuS = (cpuUsed(c0, cpu()) * TICK_MS) / 1000;
    await call(t.image, 'RemoveImage', { image: { image: ref } });
    return { s, cpuS };
  };
  const one = await timed(1);
  const ten = await timed(10);
  return { one: one.s, cpu: one.cpuS, ratio: ten.s / one.s, cpuRatio: ten.cpuS / one.cpuS };
}

/** `rounds` rounds per target, interleaved (the order rotating each round); each target's medians. */
export async function pullPhase(targets: Target[], refOf: (t: Target) => string, compressedMb: number, rounds = 3): Promise<Map<Target, Figures>> {
  const per = await interleavedRounds(targets, rounds, (t) => pullRound(t, refOf(t)));
  const out = new Map<Target, Figures>();
  for (const [t, r] of per) {
    const med = (k: keyof Round) => summarize(r.map((x) => x[k])).p50;
    console.error(`  pull on ${t.name}: one pull per round ${r.map((x) => x.one.toFixed(2)).join(', ')} s; ten/one ${r.map((x) => x.ratio.toFixed(2)).join(', ')}`);
    out.set(t, { 'pull.mbps': compressedMb / med('one'), 'pull.s': med('one'), 'pull.cpu': med('cpu'), 'pull10.ratio': med('ratio'), 'pull10.cpu': med('cpuRatio') });
  }
  return out;
}
