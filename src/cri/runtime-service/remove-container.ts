import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';

export async function removeContainer(req: T.RemoveContainerRequest__Output, ctx: CriContext): Promise<T.RemoveContainerResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  await ctx.runtime.removeContainer(req.containerId);
  return {};
}
