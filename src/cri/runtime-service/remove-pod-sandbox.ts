import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';

export async function removePodSandbox(req: T.RemovePodSandboxRequest__Output, ctx: CriContext): Promise<T.RemovePodSandboxResponse> {
  if (!req.podSandboxId) throw invalidArgument('pod_sandbox_id is required');
  await ctx.runtime.removePodSandbox(req.podSandboxId);
  return {};
}
