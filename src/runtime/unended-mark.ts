/**
 * The mark of a container a stop could not end (stop-unended.ts), kept on its record and written with it crash-safely
 * (store.ts: temp file, fsync, rename): after a daemon restart its next stop still terminates at once and does not
 * answer success while the system may run. Records carry no version: one written before the field loads as not
 * unended; an older daemon loads a marked record as it always did, keeps the field it does not know (it saves the
 * record object it read) and stops as before. A mark it leaves behind after ending the system is cleared when this
 * daemon is back: recovery finds the system gone, or terminates it again (unended-recovery.ts).
 */
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import type { RuntimeState, StoredContainer } from './state.js';

const log = logger('runtime');

export const isUnended = (c: StoredContainer | undefined): boolean => c?.unended === true;

/**
 * Marks the container (at once in memory, where the exit handling reads it) and saves its record. A failed save is
 * logged, not thrown: the caller is failing with the reason the container may still run.
 */
export async function markUnended(st: RuntimeState, c: StoredContainer): Promise<void> {
  c.unended = true;
  // Removed meanwhile: the store does not save a deleted record back (store.ts).
  await st.containers.save(c).catch((e: unknown) =>
    log.warn('saving the mark of a container that may still run failed; a daemon restart forgets it', { container: c.id, error: errorMessage(e) }));
}

/**
 * Clears the mark of a container whose system ended, saving its record when it was marked. A failed save is logged:
 * the record on disk keeps the mark, and recovery clears it when the system is gone (unended-recovery.ts).
 */
export async function clearUnended(st: RuntimeState, id: string): Promise<void> {
  const c = st.containers.get(id);
  if (!c?.unended) return;
  delete c.unended;
  await st.containers.save(c).catch((e: unknown) =>
    log.warn('saving a container record after its system ended failed', { container: id, error: errorMessage(e) }));
}
