/**
 * Exec streaming (issue 11): round trip of `echo` (Exec RPC + upgrade + streams + exit status) p50/p99 over SPDY
 * and over WebSocket (when the runtime accepts it), then one exec writing `mb` MB to stdout over SPDY: its
 * throughput and the daemon's RSS sampled every 50 ms while it flows (first sample before, peak during).
 */
import { performance } from 'node:perf_hooks';
import type { Target } from '../target.js';
import { summarize } from '../lib/stats.js';
import { rssKiB } from '../lib/procs.js';
import { call } from '../targets/client.js';
import { runPod, createContainer, removePod, SLEEP } from './pods.js';
import { spdyExec, wsExec } from '../lib/exec-client.js';
import type { Figures } from '../report.js';

// A shell builtin: the peer's busybox image has sh, sleep, yes and head, not an echo binary.
const ECHO = ['sh', '-c', 'echo hello'];

async function roundTrips(n: number, once: () => Promise<boolean>): Promise<number[] | undefined> {
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    if (!(await once())) return undefined;
    s.push(performance.now() - a);
  }
  return s;
}

export async function execPhase(t: Target, samples: number, mb: number): Promise<Figures> {
  const pod = await runPod(t, 'ex');
  try {
    const cid = await createContainer(t, pod, 'c0', SLEEP);
    await call(t.runtime, 'StartContainer', { containerId: cid });
    const f: Figures = {};
    await spdyExec(t, cid, ECHO); // warm-up (first exec in a container, connection set-up)
    const spdy = summarize((await roundTrips(samples, async () => (await spdyExec(t, cid, ECHO)) === 6))!);
    if (spdy.n !== samples) throw new Error(`${t.name}: echo over SPDY did not return its output`);
    Object.assign(f, { 'exec.spdy.p50': spdy.p50, 'exec.spdy.p99': spdy.p99 });
    const ws = await roundTrips(samples, async () => {
      const out = await wsExec(t, cid, ECHO);
      if (out !== undefined && out !== 'hello\n') throw new Error(`${t.name}: echo over WebSocket printed ${JSON.stringify(out)}`);
      return out !== undefined;
    });
    if (ws) { const w = summarize(ws); Object.assign(f, { 'exec.ws.p50': w.p50, 'exec.ws.p99': w.p99 }); }
    const daemon = t.pids()[0]!;
    const want = Math.round(mb * 1e6);
    let peak = rssKiB(daemon);
    const rss0 = peak;
    const timer = setInterval(() => { peak = Math.max(peak, rssKiB(daemon)); }, 50);
    const a = performance.now();
    let got: number;
    try {
      got = await spdyExec(t, cid, ['head', '-c', String(want), '/dev/zero']);
    } finally {
      clearInterval(timer);
    }
    const s = (performance.now() - a) / 1000;
    if (got !== want) throw new Error(`${t.name}: exec stdout delivered ${got} of ${want} bytes`);
    return { ...f, 'exec.mbps': want / 1e6 / s, 'exec.rss0': rss0 / 1024, 'exec.rssPeak': Math.max(peak, rssKiB(daemon)) / 1024 };
  } finally {
    await removePod(t, pod.id);
  }
}
