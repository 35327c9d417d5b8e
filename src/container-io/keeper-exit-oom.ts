/**
 * An OOM kill reported with the exit it caused (ExitEvent.oomKilled), so it outlives the compute system: a system
 * the keeper shut down (keeper-exit-shutdown.ts) disappears once its last handle closes, and after a keeper restart
 * before the daemon's ack nobody holds one — the daemon's own query (runtime/oom.ts) then finds nothing. The count
 * is read at the init's exit, while the system surely runs (the keeper asks its shutdown only after a grace, the
 * daemon only after the report), recorded before the keeper's ask (PersistedRecord.oomKilled, so a keeper restarted
 * between the ask and the report has it) and with the exit (ExitInfo.oomKilled, durable, replayed until acked).
 * Compute systems only, as the daemon's query: job containers report no OOM kills.
 */
import { oomKilledIn } from '../platform/oom-count.js';
import type { Entry } from './keeper-state.js';

/** At the init's exit: starts reading the system's OOM count. */
export function readOomAtExit(entry: Entry): void {
  const system = entry.system;
  if (!system || (entry.record.backend ?? 'compute') !== 'compute') return;
  entry.oomAtExit = oomKilledIn(system);
}

/** Before the keeper's shutdown ask: an OOM kill is put in the record the ask writes. */
export async function noteOom(entry: Entry): Promise<void> {
  if (await entry.oomAtExit) entry.record.oomKilled = true;
}

/** At the exit's report: whether an OOM kill was seen, by this keeper or (recorded) by the one before it. */
export async function oomAtReport(entry: Entry): Promise<boolean> {
  return entry.record.oomKilled === true || (await entry.oomAtExit) === true;
}
