/**
 * Pausing and resuming a compute system's processes (HcsPauseComputeSystem / HcsResumeComputeSystem, compute.ts).
 * With its cgroup's freezer (cgroup-freeze.ts) the whole system freezes, as HCS freezes a silo: a process that left
 * the system's process groups (setsid, a double-forked daemon) too. Without one (no cgroup, no freezer hierarchy,
 * a record of an older service, a freezer that refused the write) the system's process groups get SIGSTOP /
 * SIGCONT (pause-wait.ts), which such a process escapes. Either way the pause completes once it took effect, within
 * a bound: past it, what did pause runs again, the system stays Running and the pause fails with
 * HCS_E_CONNECTION_TIMEOUT naming what did not pause. The state survives a service restart (the kernel keeps a
 * cgroup frozen and a process stopped): the restarted service resumes or terminates the system from its record.
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import type { SystemRecord } from './records.js';
import { killGroup } from './signals.js';
import { processesInGroups } from './procfs.js';
import { contWrappers } from './isolate.js';
import { killCgroup } from './cgroup-kill.js';
import { freezerOf, freezerPids, readFreezeState, setFrozen, type Freezer, type FreezeReader } from './cgroup-freeze.js';
import { waitFrozen, unfrozenDetail } from './freeze-wait.js';
import { waitStopped, unstoppedDetail, type TaskStates } from './pause-wait.js';

/** How a pause sees its processes' threads (signal path), its freezer's state, and how long it waits; tests set others. */
export interface PauseWait { states: TaskStates; freezeState?: FreezeReader; timeoutMs: number }

/** The freezer of the system's cgroup (an isolated system's or a job container's), if it has one. */
export const systemFreezer = (s: SystemRecord): Freezer | undefined => freezerOf(s.isolation?.cgroup ?? s.job?.cgroup);

const op = 'HcsPauseComputeSystem';

function changedWhileWaiting(s: SystemRecord): PlatformError {
  return new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}: it was resumed, shut down or terminated while the pause waited for its processes to stop`);
}

/** Pauses a Running system: Paused when it resolves; Running again when it throws HCS_E_CONNECTION_TIMEOUT. */
export async function pauseSystem(s: SystemRecord, groups: Set<number>, w: PauseWait, log: (m: string) => void): Promise<void> {
  const f = systemFreezer(s);
  if (f) {
    let frozen = true;
    try { setFrozen(f, true); } catch (e) {
      frozen = false;
      log(`pause of ${s.id}: cannot freeze its cgroup ${f.dir} (${(e as Error).message}); its process groups are stopped instead`);
    }
    if (frozen) return pauseFrozen(s, f, w, log);
  }
  for (const g of groups) killGroup(g, 'SIGSTOP');
  s.state = 'Paused';
  // Complete once the pause took effect (pause-wait.ts): every member of the groups signalled, as they are now.
  const members = processesInGroups(groups, -1).map(({ pid, starttime, comm }) => ({ pid, starttime, comm }));
  const left = await waitStopped(members, w.states, w.timeoutMs, () => s.state !== 'Paused');
  if (s.state !== 'Paused') throw changedWhileWaiting(s);
  if (left.length === 0) return;
  for (const g of groups) killGroup(g, 'SIGCONT');
  contWrappers(s);
  s.state = 'Running';
  const detail = unstoppedDetail(s.id, left, w.timeoutMs);
  log(detail);
  throw new PlatformError(HRESULT.HCS_E_CONNECTION_TIMEOUT, op, detail);
}

async function pauseFrozen(s: SystemRecord, f: Freezer, w: PauseWait, log: (m: string) => void): Promise<void> {
  s.state = 'Paused';
  const st = await waitFrozen(f, w.freezeState ?? readFreezeState, w.timeoutMs, () => s.state !== 'Paused');
  if (s.state !== 'Paused') throw changedWhileWaiting(s);
  if (st === 'frozen') return;
  const detail = unfrozenDetail(s.id, f, st, w.timeoutMs);
  try { setFrozen(f, false); } catch (e) { log(`pause of ${s.id}: cannot thaw its cgroup ${f.dir}: ${(e as Error).message}`); }
  s.state = 'Running';
  log(detail);
  throw new PlatformError(HRESULT.HCS_E_CONNECTION_TIMEOUT, op, detail);
}

/**
 * A paused system's processes run again (resume; a shutdown of a paused system, after its SIGTERM): its cgroup is
 * thawed where it is frozen, else its process groups (and their nsenter wrappers) get SIGCONT.
 */
export function resumeProcesses(s: SystemRecord, groups: Set<number>): void {
  const f = systemFreezer(s);
  if (f && readFreezeState(f) !== 'thawed') {
    try { setFrozen(f, false); return; } catch { /* its groups are continued below */ }
  }
  for (const g of groups) killGroup(g, 'SIGCONT');
  contWrappers(s);
}

/**
 * Terminate (or the stop) of a system whose cgroup is frozen: every member gets its SIGKILL, then the cgroup is
 * thawed (a frozen v1 task dies only once thawed; a dying namespace init waits for its frozen children). Fully
 * frozen, no member forks or exits, so each pid listed is a member's; while still freezing the pidfd-checked kill
 * of cgroup-kill.ts is used. No-op for a system without a freezer or one not frozen.
 */
export function killFrozenSystem(s: SystemRecord, log: (m: string) => void): void {
  const cg = s.isolation?.cgroup ?? s.job?.cgroup;
  const f = freezerOf(cg);
  const st = f ? readFreezeState(f) : undefined;
  if (!f || !st || st === 'thawed') return;
  if (st === 'frozen') {
    for (const pid of freezerPids(f)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  } else killCgroup(cg!);
  try { setFrozen(f, false); } catch (e) { log(`stop of ${s.id}: cannot thaw its cgroup ${f.dir}: ${(e as Error).message}`); }
}
