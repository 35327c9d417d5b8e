import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';

export async function startContainer(req: T.StartContainerRequest__Output, ctx: CriContext): Promise<T.StartContainerResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  await ctx.runtime.startContainer(req.containerId);
  return {};
}
