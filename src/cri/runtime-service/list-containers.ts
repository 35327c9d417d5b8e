import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { containersResponse } from '../list-encoding.js';
import type { ContainerState } from '../../runtime/model.js';

/** Answered synchronously from the runtime's records (a lean method, ../method-classes.ts). */
export function listContainers(req: T.ListContainersRequest__Output, ctx: CriContext): T.ListContainersResponse {
  const f = req.filter;
  const items = ctx.runtime.listContainers(f ? {
    id: f.id || undefined,
    podSandboxId: f.podSandboxId || undefined,
    state: f.state ? (f.state.state as ContainerState) : undefined,
    labelSelector: f.labelSelector,
  } : undefined);
  return containersResponse(items);
}
