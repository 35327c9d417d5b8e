/** Compute-system teardown shared by exits, stop/remove and recovery. Gone systems are never an error. */
import type { ComputeSystem, SystemService } from '../platform/types.js';
import { isGone } from '../platform/hresult.js';
import { shutdownAskOutcome } from '../platform/shutdown-ask.js';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { within } from './locks.js';

const log = logger('runtime');

export interface ShutdownOptions {
  /**
   * Who asked the system to shut down already, so it is only waited for: the IO keeper (ExitReport.shutdownAsked;
   * 'unconfirmed': its ask got no answer, ExitReport.shutdownUnconfirmed) or the stop that caused the exit. A second
   * ask would be a second CtrlShutdown to a HostProcess container's processes (the keeper's handle and this one
   * track what they sent apart), which many programs take as "quit now".
   */
  alreadyAsked?: 'keeper' | 'unconfirmed' | 'stop';
}

/**
 * After the init process exited: graceful shutdown of the compute system, then terminate. A shutdown the platform
 * refuses is logged and the system terminated at once; one asked but not done within the timeout (the keeper's
 * too) is terminated then: it is not left running under a container reported exited. An ask that got no answer
 * (timed out: the HCS error or the call's deadline, or cut off) may have been delivered: it counts as asked, as it
 * does for the keeper (platform/shutdown-ask.ts).
 */
export async function shutdownSystem(compute: SystemService<unknown>, id: string, timeoutSeconds: number, opts: ShutdownOptions = {}): Promise<void> {
  let system: ComputeSystem | undefined;
  try {
    system = await compute.openComputeSystem(id);
    const exited = system.waitExit();
    exited.catch(() => undefined); // awaited only on some paths below; a throw before that must not leave it unhandled
    if (timeoutSeconds > 0) {
      if (opts.alreadyAsked === 'unconfirmed') log.info('the IO keeper\'s shutdown ask got no answer; not asking again, terminating the system if it still runs after the shutdown timeout', { system: id, timeoutSeconds });
      const asked = opts.alreadyAsked !== undefined || await system.shutdown().then(() => true, (e: unknown) => {
        // Stopped, or a shutdown already under way (the IO keeper asks one when the init's stdio lingers: HCS may
        // answer a second one as pending, which hcsshim takes as asked too): waited for like our own.
        const outcome = shutdownAskOutcome(e);
        if (outcome === 'failed') log.warn('graceful shutdown of a compute system failed; terminating it', { system: id, error: errorMessage(e) });
        if (outcome === 'unconfirmed') log.warn('graceful shutdown of a compute system got no answer; it may have been delivered: terminating the system if it still runs after the shutdown timeout', { system: id, error: errorMessage(e), timeoutSeconds });
        return outcome !== 'failed';
      });
      if (asked && await within(exited, timeoutSeconds * 1000)) return;
    }
    await system.terminate().catch((e) => { if (!isGone(e)) throw e; });
    await within(exited, 10_000);
  } catch (e) {
    if (!isGone(e)) log.warn('compute system shutdown failed', { system: id, error: errorMessage(e) });
  } finally {
    system?.close();
  }
}

/**
 * Terminates an opened system and waits (10 s at most) for it to stop. `ended` says which terminate failures mean
 * the system has ended already (default: gone).
 */
export async function terminateAndWait(system: ComputeSystem, ended: (e: unknown) => boolean = isGone): Promise<void> {
  const exited = system.waitExit();
  exited.catch(() => undefined); // not awaited when terminate() throws
  await system.terminate().catch((e) => { if (!ended(e)) throw e; });
  await within(exited, 10_000);
}

/** Terminates (if needed) and forgets a compute system. */
export async function destroySystem(compute: SystemService<unknown>, id: string): Promise<void> {
  let system: ComputeSystem | undefined;
  try {
    system = await compute.openComputeSystem(id);
  } catch (e) {
    if (isGone(e)) return;
    throw e;
  }
  try {
    const props = await system.getProperties();
    if (props.State !== 'Stopped') await terminateAndWait(system);
  } finally {
    // With ShouldTerminateOnLastHandleClosed=false a stopped system disappears once no handle remains.
    system.close();
  }
}

/** How long a failed StartContainer waits for its compute system to be terminated before it answers anyway. */
export const FAILED_START_TERMINATE_MS = 20_000;

/**
 * A StartContainer that failed ends its compute system before the container is recorded EXITED and the failure
 * answered: a process the platform completes late for a creator that went away (an IO keeper killed mid-start)
 * dies with the system instead of running on under a container reported exited. Bounded: a platform that does not
 * answer (its service down) leaves the termination running in the background.
 */
export async function endFailedStart(compute: SystemService<unknown>, id: string): Promise<void> {
  if (!(await within(shutdownSystem(compute, id, 0), FAILED_START_TERMINATE_MS))) {
    log.warn('the compute system of a failed start is not terminated yet; answering the start\'s failure meanwhile', { system: id });
  }
}
