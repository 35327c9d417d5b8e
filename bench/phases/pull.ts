/**
 * Pull: one PullImage of the 5-layer image (MB/s of compressed content), then the image removed and pulled by 10
 * concurrent PullImage calls; the figure is the time of those 10 over the time of one. Each timed part starts with
 * the file systems' dirty pages written out (`sync`): what the previous target (or part) left to write must not
 * be flushed inside this one's time — wincri's layer import waits until its layer is on disk (a syncfs). The CPU
 * time of the runtime's processes (threads and waited-for children) during the one pull is reported too: on a
 * shared 2-core machine the wall time follows it; and the CPU of the ten over that of the one, the part of the
 * ratio that other processes on the machine cannot move.
 */
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import type { Target } from '../target.js';
import { call } from '../targets/client.js';
import type { Figures } from '../report.js';
import { cpuSnapshot, cpuUsed, TICK_MS } from '../lib/procs.js';

export async function pullPhase(t: Target, ref: string, compressedMb: number): Promise<Figures> {
  const pull = async () => call(t.image, 'PullImage', { image: { image: ref } }, 30 * 60_000);
  const remove = () => call(t.image, 'RemoveImage', { image: { image: ref } });
  const cpu = () => cpuSnapshot(t.pids(), { children: true });
  execFileSync('sync');
  const a = performance.now();
  const cpu0 = cpu();
  await pull();
  const one = (performance.now() - a) / 1000;
  const cpuS = (cpuUsed(cpu0, cpu()) * TICK_MS) / 1000;
  await remove();
  execFileSync('sync');
  const b = performance.now();
  const cpu1 = cpu();
  await Promise.all(Array.from({ length: 10 }, pull));
  const ten = (performance.now() - b) / 1000;
  const cpuTen = (cpuUsed(cpu1, cpu()) * TICK_MS) / 1000;
  await remove();
  return { 'pull.mbps': compressedMb / one, 'pull.s': one, 'pull.cpu': cpuS, 'pull10.ratio': ten / one, 'pull10.cpu': cpuTen / cpuS };
}
