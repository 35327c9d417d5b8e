import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';

export async function status(req: T.StatusRequest__Output, ctx: CriContext): Promise<T.StatusResponse> {
  const ready = ctx.isReady();
  const conditions: T.RuntimeCondition[] = [
    { type: 'RuntimeReady', status: ready, reason: ready ? '' : 'RuntimeRecovering', message: ready ? '' : 'wincri is recovering container state' },
    // Pods get an HNS namespace of their own; CNI-provided endpoints arrive with the networking work.
    { type: 'NetworkReady', status: true, reason: '', message: '' },
  ];
  const handlers = ['', ...ctx.config.runtimeHandlers].map((name) => ({
    name, features: { recursiveReadOnlyMounts: false, userNamespaces: false },
  }));
  const info: Record<string, string> = {};
  if (req.verbose) {
    const { root, endpoint, backend, emulator, containerLog, runtimeHandlers } = ctx.config;
    info.config = JSON.stringify({ root, endpoint, backend, emulator, containerLog, runtimeHandlers });
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
