/**
 * Steady state: idle CPU over a quiet window at 0 pods and memory (PSS summed over the runtime's processes) at its
 * end, then with N running pods (1 sleeping container each) the PLEG relist (ListPodSandbox nil + ListContainers {},
 * as kubelet's relist does) p50/p99, idle CPU and memory again; the pods are removed at the end.
 */
import { performance } from 'node:perf_hooks';
import type { Target } from '../target.js';
import { summarize, sleep } from '../lib/stats.js';
import { pssKiB, rssKiB, cpuTicks, TICK_MS } from '../lib/procs.js';
import { call } from '../targets/client.js';
import { runPod, createContainer, removePod, pool, SLEEP, type Pod } from './pods.js';
import type { Figures } from '../report.js';

function memory(t: Target, when: string): { pss: number; rss: number; procs: number } {
  const pids = t.pids();
  if (pids.length <= 4) console.error(`  ${t.name} PSS per process, ${when} (MiB): ${pids.map((p) => `${p} ${(pssKiB(p) / 1024).toFixed(1)}`).join(', ')}`);
  return { pss: pids.reduce((n, p) => n + pssKiB(p), 0) / 1024, rss: pids.reduce((n, p) => n + rssKiB(p), 0) / 1024, procs: pids.length };
}

/** CPU of the runtime's processes over `seconds` of nothing happening, in % of one core. */
async function idleCpu(t: Target, seconds: number): Promise<number> {
  const pids = t.pids();
  const before = pids.map(cpuTicks);
  const a = performance.now();
  await sleep(seconds * 1000);
  const ms = performance.now() - a;
  const used = pids.map(cpuTicks).reduce((n, v, i) => n + Math.max(0, v - before[i]!), 0) * TICK_MS;
  return (used / ms) * 100;
}

export async function steadyPhase(t: Target, pods: number, samples: number, idleSeconds: number): Promise<Figures> {
  // Idle CPU over the quiet window first, then memory at its end: "at rest" for both runtimes (V8 and Go's
  // scavenger both give memory back some time after work; the previous phase's burst ended 2 s before the window).
  await sleep(2000);
  const cpu0 = await idleCpu(t, idleSeconds);
  const mem0 = memory(t, '0 pods');
  const made: Pod[] = [];
  try {
    await pool(pods, 5, async () => {
      const pod = await runPod(t, 'st');
      made.push(pod);
      const cid = await createContainer(t, pod, 'c0', SLEEP);
      await call(t.runtime, 'StartContainer', { containerId: cid });
    });
    const s: number[] = [];
    for (let i = 0; i < samples; i++) {
      const a = performance.now();
      const p = await call(t.runtime, 'ListPodSandbox', {});
      const c = await call(t.runtime, 'ListContainers', { filter: {} });
      s.push(performance.now() - a);
      if (p.items.length < pods || c.containers.length < pods) throw new Error(`relist saw ${p.items.length} pods, ${c.containers.length} containers; expected ${pods}`);
    }
    await sleep(2000);
    const cpuN = await idleCpu(t, idleSeconds);
    const memN = memory(t, `${pods} pods`);
    const relist = summarize(s);
    return {
      'mem0.pss': mem0.pss, 'mem0.procs': mem0.procs, 'memN.pss': memN.pss, 'memN.rss': memN.rss, 'memN.procs': memN.procs,
      'cpu0': cpu0, 'cpuN': cpuN, 'relist.p50': relist.p50, 'relist.p99': relist.p99,
    };
  } finally {
    await pool(made.length, 5, async (i) => { await removePod(t, made[i]!.id); });
  }
}
