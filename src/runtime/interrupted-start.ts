/**
 * StartContainer interrupted by a daemon crash: the record is still CREATED, but the compute system may exist
 * and the IO keeper may already run the process. Recovery settles it one way or the other, so that no process
 * runs without a RUNNING record and a CREATED container can still be started:
 * - the keeper holds the process → the container is adopted as RUNNING (recovery then treats it as any running
 *   container: an exit the keeper saw, or its utility VM's death, is applied after);
 * - only the compute system exists (the crash came before the keeper started the process) → the system is
 *   destroyed and the container stays CREATED.
 */
import { logger } from '../util/log.js';
import type { IoKeeper } from './ports.js';
import { nowNs } from './model.js';
import type { RuntimeState, StoredContainer } from './state.js';
import { destroySystem } from './systems.js';
import { backendOf } from './backend.js';

type Attachment = Awaited<ReturnType<IoKeeper['list']>>[number];

const log = logger('runtime');

export async function settleInterruptedStart(
  st: RuntimeState, c: StoredContainer, attachment: Attachment | undefined, systemExists: boolean,
): Promise<void> {
  if (c.state !== 'CONTAINER_CREATED') return;
  if (attachment) {
    log.warn('adopting a container whose start was interrupted by a runtime restart', { container: c.id, pid: attachment.pid });
    c.state = 'CONTAINER_RUNNING';
    c.pid = attachment.pid;
    // The keeper's own start time: a container adopted after the restart did not start at recovery.
    c.startedAt = attachment.startedAt ?? nowNs();
    await st.containers.save(c);
    st.emit(c.id, 'CONTAINER_STARTED_EVENT', c.sandboxId);
    return;
  }
  if (systemExists) {
    log.warn('removing the compute system of a start interrupted by a runtime restart; the container stays created', { container: c.id });
    await destroySystem(backendOf(st, c), c.id);
  }
}
