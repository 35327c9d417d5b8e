import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { containerStatusToCri } from '../convert.js';

export async function containerStatus(req: T.ContainerStatusRequest__Output, ctx: CriContext): Promise<T.ContainerStatusResponse> {
  if (!req.containerId) throw invalidArgument('container_id is required');
  const c = ctx.runtime.getContainer(req.containerId);
  const info: Record<string, string> = {};
  if (req.verbose) {
    info.info = JSON.stringify({ pid: c.pid ?? null, sandboxId: c.sandboxId, scratchPath: c.scratchPath, config: c.config });
  }
  return { status: containerStatusToCri(c), info };
}
