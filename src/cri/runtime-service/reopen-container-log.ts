import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';

export async function reopenContainerLog(req: T.ReopenContainerLogRequest__Output, ctx: CriContext): Promise<T.ReopenContainerLogResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  await ctx.runtime.reopenContainerLog(req.containerId);
  return {};
}
