import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { containerConfigFromCri } from '../convert.js';
import { invalidArgument } from '../../errors.js';

export async function createContainer(req: T.CreateContainerRequest__Output, ctx: CriContext): Promise<T.CreateContainerResponse> {
  if (!req.podSandboxId) throw invalidArgument('pod_sandbox_id is required');
  const id = await ctx.runtime.createContainer(req.podSandboxId, containerConfigFromCri(req.config));
  return { containerId: id };
}
