import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { sandboxesResponse } from '../list-encoding.js';
import type { SandboxState } from '../../runtime/model.js';

export async function listPodSandbox(req: T.ListPodSandboxRequest__Output, ctx: CriContext): Promise<T.ListPodSandboxResponse> {
  const f = req.filter;
  const items = ctx.runtime.listPodSandbox(f ? {
    id: f.id || undefined,
    state: f.state ? (f.state.state as SandboxState) : undefined,
    labelSelector: f.labelSelector,
  } : undefined);
  return sandboxesResponse(items);
}
