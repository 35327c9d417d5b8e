import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { sandboxConfigFromCri } from '../convert.js';

export async function runPodSandbox(req: T.RunPodSandboxRequest__Output, ctx: CriContext): Promise<T.RunPodSandboxResponse> {
  const id = await ctx.runtime.runPodSandbox(sandboxConfigFromCri(req.config), req.runtimeHandler);
  return { podSandboxId: id };
}
