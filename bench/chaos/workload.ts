/**
 * The churn: workers that each run pods one after the other (RunPodSandbox → CreateContainer → StartContainer →
 * hold → StopPodSandbox → RemovePodSandbox) until told to stop. Every container writes numbered lines
 * ("chaos-line N", N = 1, 2, …) and carries a marker naming its pod in its command line, so a /proc scan maps
 * processes to pods and the CRI log shows any lost line as a gap.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, podConfig } from '../../test/e2e/harness.js';
import type { World } from './world.js';

export type Phase = 'creating' | 'running' | 'stopping' | 'removed';

export interface PodTrack {
  name: string;
  id?: string;
  containerId?: string;
  phase: Phase;
  logPath: string;
  /** The first RPC error this pod's worker hit (expected around a kill). */
  error?: string;
}

export const LINE_RE = /^\S+ (?:stdout|stderr) [FP] chaos-line (\d+)$/;

/** The container's shell script: numbered lines every `periodS` seconds; `mark` names the pod for the /proc scan. */
export function lineScript(mark: string, periodS: number): string {
  return `: ${mark}; i=0; while :; do i=$((i+1)); echo "chaos-line $i"; sleep ${periodS}; done`;
}

export class Churn {
  readonly pods: PodTrack[] = [];
  private stopping = false;
  private readonly workers: Promise<void>[] = [];
  private seq = 0;

  constructor(private readonly w: World, private readonly run: string, private readonly opts: { holdMs: number; periodS: number }) {}

  markOf(name: string): string { return `chaos-${this.run}-${name}`; }

  start(workers: number, firstPods?: number): void {
    for (let i = 0; i < workers; i++) this.workers.push(this.loop(i, firstPods));
  }

  /** Workers finish their current call and start nothing new: pods they hold stay as they are. */
  freeze(): void { this.stopping = true; }

  /** Freezes and waits for every worker. */
  async stop(): Promise<void> {
    this.freeze();
    await Promise.all(this.workers);
  }

  private async loop(worker: number, onlyOne?: number): Promise<void> {
    for (let k = 0; !this.stopping; k++) {
      const name = `${this.run.split("-").pop()}-w${worker}-${this.seq++}`;
      const t: PodTrack = { name, phase: 'creating', logPath: join(this.w.logRoot, name, 'c0.log') };
      this.pods.push(t);
      try {
        await this.cycle(t);
      } catch (e) {
        t.error = (e as Error).message;
        return;
      }
      if (onlyOne !== undefined) return;
    }
  }

  private async cycle(t: PodTrack): Promise<void> {
    // The daemon's client, not the target's: a daemon restart makes new clients.
    const rt = () => this.w.daemon.runtime;
    const config = podConfig(t.name, join(this.w.logRoot, t.name));
    mkdirSync(config.logDirectory, { recursive: true });
    t.id = (await call(rt(), 'RunPodSandbox', { config }, 120_000)).podSandboxId;
    const { containerId } = await call(rt(), 'CreateContainer', {
      podSandboxId: t.id, sandboxConfig: config,
      config: { metadata: { name: 'c0' }, image: { image: this.w.workImage }, command: ['sh', '-c', lineScript(this.markOf(t.name), this.opts.periodS)], logPath: 'c0.log' },
    }, 120_000);
    t.containerId = containerId;
    await call(rt(), 'StartContainer', { containerId }, 120_000);
    t.phase = 'running';
    const end = Date.now() + Math.random() * this.opts.holdMs;
    while (Date.now() < end && !this.stopping) await new Promise((r) => setTimeout(r, 50));
    if (this.stopping) return;
    t.phase = 'stopping';
    await call(rt(), 'StopPodSandbox', { podSandboxId: t.id }, 120_000);
    await call(rt(), 'RemovePodSandbox', { podSandboxId: t.id }, 120_000);
    t.phase = 'removed';
  }
}
