import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';

/** Returns a one-time URL on the streaming server that forwards TCP connections to the pod's ports. */
export async function portForward(req: T.PortForwardRequest__Output, ctx: CriContext): Promise<T.PortForwardResponse> {
  if (!req.podSandboxId) throw invalidArgument('pod_sandbox_id is required');
  for (const p of req.port) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw invalidArgument(`port ${p} is out of range (1-65535)`);
  }
  return { url: ctx.runtime.portForward(req.podSandboxId, req.port) };
}
