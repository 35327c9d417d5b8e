import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { containerStatsToCri } from '../convert-stats.js';
import type { ContainerRecord } from '../../runtime/model.js';
import { isRuntimeError } from '../../errors.js';

export function selectForStats(ctx: CriContext, f: { id: string; podSandboxId: string; labelSelector: Record<string, string> } | null): ContainerRecord[] {
  return ctx.runtime.listContainers(f ? { id: f.id || undefined, podSandboxId: f.podSandboxId || undefined, labelSelector: f.labelSelector } : undefined)
    // kubelet drops stats of terminated containers; report created and running ones.
    .filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
}

export async function listContainerStats(req: T.ListContainerStatsRequest__Output, ctx: CriContext): Promise<T.ListContainerStatsResponse> {
  const list = selectForStats(ctx, req.filter);
  const samples = await Promise.all(list.map((c) => ctx.runtime.containerStats(c).catch((e) => {
    if (isRuntimeError(e, 'NotFound')) return undefined; // removed while listing
    throw e;
  })));
  return { stats: samples.filter((s) => s !== undefined).map(containerStatsToCri) };
}
