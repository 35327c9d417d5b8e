/** Opening a container's compute system and init process for StopContainer (container-stop.ts). */
import type { SystemService, ComputeSystem, ComputeProcess } from '../platform/types.js';
import { isEnded, isGone } from '../platform/hresult.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';

const log = logger('runtime');

/**
 * The container's compute system and init process, opened to stop them. Only a failure to open the system fails the
 * stop (service unavailable, access denied: the container is left running and a retry stops it); a gone system is
 * nothing to stop. A process that cannot be opened (gone, the stopped system's HCS_E_INVALID_STATE, or any other
 * failure) is ended with its system: shut down gracefully within the grace period, then terminated.
 */
export async function openForStop(compute: SystemService<unknown>, id: string, pid: number | undefined): Promise<{ system?: ComputeSystem; proc?: ComputeProcess }> {
  let system: ComputeSystem;
  try {
    system = await compute.openComputeSystem(id);
  } catch (e) {
    if (isGone(e)) return {};
    log.warn('cannot open container for stop', { container: id, error: errorMessage(e) });
    throw e;
  }
  if (pid === undefined) return { system };
  try {
    return { system, proc: await system.openProcess(pid) };
  } catch (e) {
    if (!isEnded(e)) {
      log.warn('cannot open the container process for stop; stopping its compute system instead', { container: id, error: errorMessage(e) });
    }
    return { system };
  }
}
