/**
 * Container log throughput: one container writes `mb` MB of 100-byte lines (`yes` of 99 characters, cut by
 * `head -c`) as fast as it can; the figure is payload MB/s from StartContainer until every line is in the CRI log
 * file (the runtime's own writer, with timestamps and stream tags). LOGS_TRACE=1 prints when StartContainer
 * returned, when the exit was seen and when the last line was counted.
 */
import { performance } from 'node:perf_hooks';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Target } from '../target.js';
import { sleep } from '../lib/stats.js';
import { call } from '../targets/client.js';
import { runPod, createContainer, removePod } from './pods.js';
import type { Figures } from '../report.js';

/**
 * Counts the lines of a growing file, reading only what was appended since the last call: re-reading the whole
 * log (~70 MB) on every poll cost each runtime a few hundred ms of the bench's own time after the last line.
 */
function lineCounter(path: string): () => Promise<number> {
  let n = 0;
  let at = 0;
  return async () => {
    try {
      for await (const chunk of createReadStream(path, { start: at, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        at += chunk.length;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
      }
    } catch { /* not there yet */ }
    return n;
  };
}

export async function logsPhase(t: Target, mb: number): Promise<Figures> {
  const lines = Math.floor((mb * 1e6) / 100);
  const pod = await runPod(t, 'log');
  try {
    const cid = await createContainer(t, pod, 'writer', ['sh', '-c', `yes ${'x'.repeat(99)} | head -n ${lines}`]);
    const countLines = lineCounter(join(pod.config.logDirectory, 'writer.log'));
    const a = performance.now();
    await call(t.runtime, 'StartContainer', { containerId: cid });
    const b = performance.now();
    for (;;) {
      const st = await call(t.runtime, 'ContainerStatus', { containerId: cid });
      if (st.status.state === 'CONTAINER_EXITED') break;
      await sleep(20);
    }
    const c = performance.now();
    const deadline = Date.now() + 60_000;
    let got = 0;
    while ((got = await countLines()) < lines && Date.now() < deadline) await sleep(20);
    const s = (performance.now() - a) / 1000;
    if (process.env.LOGS_TRACE) console.log(`${t.name}: start ${(b - a).toFixed(0)} exit ${(c - a).toFixed(0)} done ${(s * 1000).toFixed(0)} ms`);
    if (got < lines) throw new Error(`log has ${got} of ${lines} lines`);
    return { 'logs.mbps': (lines * 100) / 1e6 / s };
  } finally {
    await removePod(t, pod.id);
  }
}
