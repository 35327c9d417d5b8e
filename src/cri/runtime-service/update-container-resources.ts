import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { windowsResourcesFromCri } from '../convert.js';

/** Windows resources are applied; Linux resources (sent by Linux-minded clients) are ignored. */
export async function updateContainerResources(req: T.UpdateContainerResourcesRequest__Output, ctx: CriContext): Promise<T.UpdateContainerResourcesResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  await ctx.runtime.updateContainerResources(req.containerId, windowsResourcesFromCri(req.windows, 'windows'));
  return {};
}
