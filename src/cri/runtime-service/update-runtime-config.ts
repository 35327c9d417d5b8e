import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { logger } from '../../util/log.js';

const log = logger('cri');
let lastCidr = '';

/** Carries the node's pod CIDR to the network layer (CNI ipRanges; renders cni.podCidrTemplate if configured). */
export async function updateRuntimeConfig(req: T.UpdateRuntimeConfigRequest__Output, ctx: CriContext): Promise<T.UpdateRuntimeConfigResponse> {
  const cidr = req.runtimeConfig?.networkConfig?.podCidr ?? '';
  if (cidr !== lastCidr) {
    log.info('pod CIDR updated', { podCidr: cidr });
    lastCidr = cidr;
  }
  await ctx.runtime.setPodCidr(cidr);
  return {};
}
