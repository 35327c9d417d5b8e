import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { podSandboxStatsToCri } from '../convert.js';
import type { SandboxRecord } from '../../runtime/model.js';
import { nowNs } from '../../runtime/model.js';
import { withUtilityVmTotals } from './pod-vm-stats.js';

export async function sandboxStats(ctx: CriContext, s: SandboxRecord): Promise<T.PodSandboxStats> {
  const running = ctx.runtime.containersOf(s.id).filter((c) => c.state === 'CONTAINER_RUNNING');
  const samples = await Promise.all(running.map((c) => ctx.runtime.containerStats(c)));
  return withUtilityVmTotals(podSandboxStatsToCri(s, samples, BigInt(nowNs())), await ctx.runtime.utilityVmStats(s.id));
}

export async function podSandboxStats(req: T.PodSandboxStatsRequest__Output, ctx: CriContext): Promise<T.PodSandboxStatsResponse> {
  if (!req.podSandboxId) throw invalidArgument('pod_sandbox_id is required');
  return { stats: await sandboxStats(ctx, ctx.runtime.getSandbox(req.podSandboxId)) };
}
