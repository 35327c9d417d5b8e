/** Pod and container steps shared by the phases, identical for every target. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { podConfig } from '../../test/e2e/harness.js';
import { call } from '../targets/client.js';
import type { Target } from '../target.js';
import type { Sample } from './lifecycle-sample.js';

export interface Pod { id: string; config: ReturnType<typeof podConfig> }
export const SLEEP = ['sh', '-c', 'exec sleep 100000'];

let seq = 0;
export function newPodConfig(t: Target, prefix: string) {
  const name = `${prefix}-${process.pid}-${seq++}`;
  const config = podConfig(name, join(t.logRoot, name), t.podExtra);
  mkdirSync(config.logDirectory, { recursive: true });
  return config;
}

export async function runPod(t: Target, prefix: string): Promise<Pod> {
  const config = newPodConfig(t, prefix);
  const { podSandboxId } = await call(t.runtime, 'RunPodSandbox', { config });
  return { id: podSandboxId, config };
}

export async function createContainer(t: Target, pod: Pod, name: string, command: string[]): Promise<string> {
  const { containerId } = await call(t.runtime, 'CreateContainer', {
    podSandboxId: pod.id,
    config: {
      metadata: { name, attempt: 0 }, image: { image: t.workImage }, command,
      logPath: `${name}.log`, labels: { 'io.kubernetes.container.name': name },
    },
    sandboxConfig: pod.config,
  });
  return containerId;
}

export async function removePod(t: Target, id: string): Promise<void> {
  await call(t.runtime, 'StopPodSandbox', { podSandboxId: id });
  await call(t.runtime, 'RemovePodSandbox', { podSandboxId: id });
}

/** One full pod lifecycle with per-RPC timings (ms). */
export async function lifecycle(t: Target): Promise<Sample> {
  const a = performance.now();
  const pod = await runPod(t, 'lc');
  const b = performance.now();
  const cid = await createContainer(t, pod, 'c0', SLEEP);
  const c = performance.now();
  await call(t.runtime, 'StartContainer', { containerId: cid });
  const d = performance.now();
  await call(t.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  const e = performance.now();
  await call(t.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  const f = performance.now();
  return { run: b - a, create: c - b, start: d - c, podStart: d - a, stop: e - d, remove: f - e };
}

/** Runs `fn` `n` times on `parallel` workers. */
export async function pool(n: number, parallel: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, async () => { for (let i = next++; i < n; i = next++) await fn(i); }));
}
