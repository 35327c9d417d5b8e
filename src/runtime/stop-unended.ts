/**
 * A stop whose termination failed (the platform timed out, refused, or went away under the call): the container's
 * processes — its init, or those it left in its system — may still run. Its grace period is spent and a graceful
 * signal went out already (the stop's, maybe the IO keeper's too), so from here its system is only terminated:
 * - the exit that stop caused terminates the system again in the background (exits.ts), no shutdown asked;
 * - the stop fails with what happened and what to do, and the next StopContainer terminates at once — also when the
 *   exit was recorded meanwhile: it does not answer success while the system may still run.
 * The mark is saved with the container's record (unended-mark.ts), so all this holds across a daemon restart too
 * (unended-recovery.ts); RemoveContainer ends the system in any case (destroySystem).
 */
import type { ComputeSystem, SystemService } from '../platform/types.js';
import { isEnded, isGone, PlatformError } from '../platform/hresult.js';
import { errorMessage, internal } from '../errors.js';
import { logger } from '../util/log.js';
import type { RuntimeState } from './state.js';
import { terminateAndWait } from './systems.js';
import { clearUnended } from './unended-mark.js';

const log = logger('runtime');

const stillRunning = (id: string) =>
  `container ${id} may still be running: terminating it failed. StopContainer again retries the termination ` +
  '(no second graceful signal); RemoveContainer also ends it';

/** The stop's failure, keeping a platform error's HRESULT (its gRPC code and advice: cri/errors.ts). */
export function unendedError(id: string, e: unknown): Error {
  if (e instanceof PlatformError) {
    const out = new PlatformError(e.hresult, e.operation, undefined, e.errorDocument);
    out.message = `${stillRunning(id)}: ${e.message}`;
    return out;
  }
  return internal(`${stillRunning(id)}: ${errorMessage(e)}`, e);
}

/**
 * Terminates the system of a container marked unended and clears the mark once it is ended (or gone); throws
 * unendedError otherwise, the mark kept.
 */
export async function endUnended(st: RuntimeState, compute: SystemService<unknown>, id: string): Promise<void> {
  try {
    let system: ComputeSystem;
    try {
      system = await compute.openComputeSystem(id);
    } catch (e) {
      if (isGone(e)) { await clearUnended(st, id); return; }
      throw e;
    }
    try {
      await terminateAndWait(system, isEnded);
    } finally {
      system.close();
    }
  } catch (e) {
    throw unendedError(id, e);
  }
  await clearUnended(st, id);
}

/** The exit of a container whose stop failed to terminate it: its system is terminated again, never shut down. */
export function endUnendedLater(st: RuntimeState, compute: SystemService<unknown>, id: string): void {
  void endUnended(st, compute, id).catch((e: unknown) =>
    log.warn('terminating the system of a container whose stop failed still fails', { container: id, error: errorMessage(e) }));
}
