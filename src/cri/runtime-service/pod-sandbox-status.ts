import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { containerStatusToCri, podSandboxStatusToCri } from '../convert.js';
import { nowNs } from '../../runtime/model.js';

export async function podSandboxStatus(req: T.PodSandboxStatusRequest__Output, ctx: CriContext): Promise<T.PodSandboxStatusResponse> {
  if (!req.podSandboxId) throw invalidArgument('pod_sandbox_id is required');
  const s = ctx.runtime.getSandbox(req.podSandboxId);
  const info: Record<string, string> = {};
  if (req.verbose) {
    info.info = JSON.stringify({
      namespaceId: s.namespaceId ?? null, hostProcess: s.config.hostProcess, runtimeHandler: s.runtimeHandler,
      config: s.config,
    });
  }
  return {
    status: podSandboxStatusToCri(s),
    info,
    containersStatuses: ctx.runtime.containersOf(s.id).map(containerStatusToCri),
    timestamp: nowNs(),
  };
}
