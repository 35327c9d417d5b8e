/**
 * Container log throughput: one container writes `mb` MB of 100-byte lines (`yes` of 99 characters, cut by
 * `head -n`) as fast as it can, then one end line; the figure is payload MB/s from StartContainer until the end line
 * is in the CRI log file (the runtime's own writer, with timestamps and stream tags: one writer, in order, so every
 * line before it is in too). The clock stops there: the lines are counted afterwards, outside the timed part (was:
 * counted inside it after the exit was seen through 20 ms ContainerStatus polls — ~30 ms of the bench's own work in
 * a ~300 ms window, more of the faster runtime's time than of the slower one's); a missing line fails the phase.
 * Rounds on fresh pods, the targets taking turns (order rotating each round), the median reported: one 50 MB run
 * is a fraction of a second, shorter than the shared machine's slow stretches. LOGS_TRACE=1 prints each round.
 */
import { performance } from 'node:perf_hooks';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from '../target.js';
import { sleep, summarize } from '../lib/stats.js';
import { interleavedRounds } from '../lib/interleave.js';
import { call } from '../targets/client.js';
import { runPod, createContainer, removePod } from './pods.js';
import type { Figures } from '../report.js';

const END = 'wincri-bench-logs-end';

/** Lines in a file (read once, in 1 MiB chunks). */
async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

/** Whether the file's last line is the end line (its last bytes read: cheap enough to poll every few ms). */
async function endsWithEnd(path: string): Promise<boolean> {
  const want = Buffer.from(` ${END}\n`);
  let fh;
  try { fh = await open(path, 'r'); } catch { return false; }
  try {
    const { size } = await fh.stat();
    if (size < want.length) return false;
    const b = Buffer.alloc(want.length);
    await fh.read(b, 0, want.length, size - want.length);
    return b.equals(want);
  } finally { await fh.close(); }
}

/** One round: MB/s of payload from StartContainer until the end line is logged. */
async function logsRound(t: Target, mb: number): Promise<number> {
  const lines = Math.floor((mb * 1e6) / 100);
  const pod = await runPod(t, 'log');
  try {
    const cid = await createContainer(t, pod, 'writer', ['sh', '-c', `yes ${'x'.repeat(99)} | head -n ${lines}; echo ${END}`]);
    const path = join(pod.config.logDirectory, 'writer.log');
    const a = performance.now();
    await call(t.runtime, 'StartContainer', { containerId: cid });
    const b = performance.now();
    const deadline = Date.now() + 60_000;
    while (!(await endsWithEnd(path))) {
      if (Date.now() > deadline) throw new Error(`no end line in ${path} after 60 s`);
      await sleep(5);
    }
    const s = (performance.now() - a) / 1000;
    // Untimed: the writer's exit is awaited before its pod goes (containerd's stop of a container that is just
    // exiting can fail with "ttrpc: closed" from its ending shim).
    while ((await call(t.runtime, 'ContainerStatus', { containerId: cid })).status.state !== 'CONTAINER_EXITED') {
      if (Date.now() > deadline) throw new Error(`writer ${cid} still running 60 s after its start`);
      await sleep(20);
    }
    const got = await countLines(path);
    if (got !== lines + 1) throw new Error(`log has ${got} lines, ${lines + 1} written`);
    if (process.env.LOGS_TRACE) console.log(`${t.name}: start ${(b - a).toFixed(0)} end line ${(s * 1000).toFixed(0)} ms`);
    return (lines * 100) / 1e6 / s;
  } finally {
    await removePod(t, pod.id);
  }
}

/** `rounds` rounds per target, interleaved; each target's median MB/s. */
export async function logsPhase(targets: Target[], mb: number, rounds = 5): Promise<Map<Target, Figures>> {
  const per = await interleavedRounds(targets, rounds, (t) => logsRound(t, mb));
  const out = new Map<Target, Figures>();
  for (const [t, r] of per) {
    console.error(`  logs on ${t.name}: MB/s per round ${r.map((x) => x.toFixed(1)).join(', ')}`);
    out.set(t, { 'logs.mbps': summarize(r).p50 });
  }
  return out;
}
