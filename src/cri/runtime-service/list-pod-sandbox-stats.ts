import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { sandboxStats } from './pod-sandbox-stats.js';

export async function listPodSandboxStats(req: T.ListPodSandboxStatsRequest__Output, ctx: CriContext): Promise<T.ListPodSandboxStatsResponse> {
  const f = req.filter;
  const pods = ctx.runtime.listPodSandbox(f ? { id: f.id || undefined, labelSelector: f.labelSelector } : undefined)
    .filter((s) => s.state === 'SANDBOX_READY');
  return { stats: await Promise.all(pods.map((s) => sandboxStats(ctx, s))) };
}
