import type * as T from '../generated/index.js';
import { logger } from '../../util/log.js';

const log = logger('cri');
let lastCidr = '';

/** Carries the node's pod CIDR; recorded for the network layer (CNI template rendering arrives with it). */
export async function updateRuntimeConfig(req: T.UpdateRuntimeConfigRequest__Output): Promise<T.UpdateRuntimeConfigResponse> {
  const cidr = req.runtimeConfig?.networkConfig?.podCidr ?? '';
  if (cidr !== lastCidr) {
    log.info('pod CIDR updated', { podCidr: cidr });
    lastCidr = cidr;
  }
  return {};
}
