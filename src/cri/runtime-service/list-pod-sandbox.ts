import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { sandboxesResponse } from '../list-encoding.js';
import type { SandboxState } from '../../runtime/model.js';

/** Answered synchronously from the runtime's records (a lean method, ../method-classes.ts). */
export function listPodSandbox(req: T.ListPodSandboxRequest__Output, ctx: CriContext): T.ListPodSandboxResponse {
  const f = req.filter;
  const items = ctx.runtime.listPodSandbox(f ? {
    id: f.id || undefined,
    state: f.state ? (f.state.state as SandboxState) : undefined,
    labelSelector: f.labelSelector,
  } : undefined);
  return sandboxesResponse(items);
}
