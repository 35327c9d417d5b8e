import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';

export async function stopPodSandbox(req: T.StopPodSandboxRequest__Output, ctx: CriContext): Promise<T.StopPodSandboxResponse> {
  if (!req.podSandboxId) throw invalidArgument('pod_sandbox_id is required');
  await ctx.runtime.stopPodSandbox(req.podSandboxId);
  return {};
}
