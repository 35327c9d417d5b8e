import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { containerStatsToCri } from '../convert-stats.js';

export async function containerStats(req: T.ContainerStatsRequest__Output, ctx: CriContext): Promise<T.ContainerStatsResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  const c = ctx.runtime.getContainer(req.containerId);
  return { stats: containerStatsToCri(await ctx.runtime.containerStats(c)) };
}
