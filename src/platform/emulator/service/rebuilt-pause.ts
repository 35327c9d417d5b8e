/**
 * A Paused system rebuilt at load (compute-load.ts: its holder died while the service was down, taking its
 * namespaces and every process with it; isolate.ts built them again, in a cgroup that is not frozen): paused again,
 * as HCS keeps a paused system paused across a restart of the compute service. The pause is the verb's own
 * (system-pause.ts: its cgroup frozen, or where it has no freezer nothing to stop, the system has no process yet);
 * where it does not take effect within its bound the system is recorded Running, as a failed pause leaves it, and
 * the log says why: the record says what the system is.
 */
import { pauseSystem, type PauseWait } from './system-pause.js';
import type { SystemRecord } from './records.js';

export async function pauseRebuilt(s: SystemRecord, w: PauseWait, log: (m: string) => void): Promise<void> {
  if (s.state !== 'Paused') return;
  s.state = 'Running'; // what pauseSystem starts from
  try {
    await pauseSystem(s, new Set(), w, log);
    log(`paused ${s.id} again: it was paused when its namespaces were lost and rebuilt`);
  } catch (e) {
    log(`${s.id} was paused when its namespaces were lost; rebuilt, it could not be paused again and runs: ${(e as Error).message}`);
  }
}
