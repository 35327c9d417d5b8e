import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { num } from '../int64.js';

export async function stopContainer(req: T.StopContainerRequest__Output, ctx: CriContext): Promise<T.StopContainerResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  await ctx.runtime.stopContainer(req.containerId, num(req.timeout, 'timeout', { min: 0 }));
  return {};
}
