/**
 * Recovery's look at the containers marked unended (a stop could not end them: stop-unended.ts), the mark read back
 * with their records (unended-mark.ts):
 * - a system that is gone has nothing left to end: the mark is cleared;
 * - an exited container's system is terminated again in the background, as its exit handling did before the daemon
 *   went down (a failure keeps the mark: its next StopContainer fails while the system runs, RemoveContainer ends it);
 * - a running container keeps it: its exit terminates the system, its next stop terminates at once.
 * Runs before recovery applies the exits that happened meanwhile (those terminate marked systems themselves).
 */
import type { RuntimeState } from './state.js';
import { backendOf } from './backend.js';
import { endUnendedLater } from './stop-unended.js';
import { clearUnended, isUnended } from './unended-mark.js';

/** `systemIds`: the containers whose system (of the record's kind) the platform lists. */
export async function recoverUnended(st: RuntimeState, systemIds: ReadonlySet<string>): Promise<void> {
  for (const c of st.containers.list()) {
    if (!isUnended(c)) continue;
    if (!systemIds.has(c.id)) await clearUnended(st, c.id);
    else if (c.state !== 'CONTAINER_RUNNING') endUnendedLater(st, backendOf(st, c), c.id);
  }
}
