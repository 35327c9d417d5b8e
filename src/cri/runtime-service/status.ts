import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import type { PlatformCondition } from '../../platform/types.js';
import { errorMessage } from '../../errors.js';

/** Never fails Status: a platform that cannot say is itself a condition. */
async function platformConditions(ctx: CriContext): Promise<PlatformCondition[]> {
  if (!ctx.platformConditions) return [];
  try {
    return await ctx.platformConditions();
  } catch (e) {
    return [{ type: 'PlatformDiagnostics', ok: false, reason: 'DiagnosticsFailed', message: `the platform could not report its conditions: ${errorMessage(e)}` }];
  }
}

export async function status(req: T.StatusRequest__Output, ctx: CriContext): Promise<T.StatusResponse> {
  const ready = ctx.isReady();
  // NetworkReady: a valid CNI configuration exists (and its plugins report ready through STATUS, CNI ≥ 1.1).
  const net = await ctx.runtime.networkStatus();
  const conditions: T.RuntimeCondition[] = [
    { type: 'RuntimeReady', status: ready, reason: ready ? '' : 'RuntimeRecovering', message: ready ? '' : 'wincri is recovering container state' },
    { type: 'NetworkReady', status: net.ready, reason: net.reason, message: net.message },
  ];
  // Platform conditions (kubelet looks only at the two above; crictl info shows these to the operator).
  for (const c of await platformConditions(ctx)) conditions.push({ type: c.type, status: c.ok, reason: c.reason, message: c.message });
  const handlers = ['', ...Object.keys(ctx.config.runtimeHandlers)].map((name) => ({
    name, features: { recursiveReadOnlyMounts: false, userNamespaces: false },
  }));
  const info: Record<string, string> = {};
  if (req.verbose) {
    const { root, endpoint, backend, emulator, containerLog, runtimeHandlers, cni } = ctx.config;
    info.config = JSON.stringify({ root, endpoint, backend, emulator, containerLog, runtimeHandlers, cni });
    info.platform = JSON.stringify(ctx.platformInfo());
    info.runtime = JSON.stringify({
      name: ctx.runtimeName, version: ctx.runtimeVersion, node: process.version, pid: process.pid,
      pods: ctx.runtime.listPodSandbox().length, containers: ctx.runtime.listContainers().length,
    });
  }
  return {
    status: { conditions }, info, runtimeHandlers: handlers,
    features: { supplementalGroupsPolicy: false, userNamespacesHostNetwork: false },
  };
}
