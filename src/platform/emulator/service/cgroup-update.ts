/**
 * A live limit update of a cgroup that is there (modify.ts, job-limits.ts): the new limits are written; a write that
 * fails part way leaves the cgroup with some of them while the document keeps the old ones (it records a limit only
 * once written), so the old ones are written back, best effort (a failure of that too is logged), and the update's
 * error thrown. What `describe` shows is then what the cgroup holds.
 */
import type { ContainerDoc } from '../../hcs/schema/index.js';
import { applyLimits } from './cgroup-limits.js';
import type { SystemCgroup } from './cgroups.js';

export interface UpdateContext {
  id: string;
  log: (m: string) => void;
  /** The host processor count both sets of limits are relative to, as applyLimits takes it. */
  hostCpus?: number;
}

/** Writes `next` to `cg`; on a failure writes `recorded` back, then throws the failure. */
export function updateLimits(cg: SystemCgroup, next: ContainerDoc, recorded: ContainerDoc | undefined, o: UpdateContext): void {
  try { applyLimits(cg, next, o.hostCpus); } catch (e) {
    try { applyLimits(cg, recorded, o.hostCpus); } catch (again) {
      o.log(`cgroup of ${o.id} (${cg.dirs.join(', ')}): a limit update failed and the recorded limits could not be written back either; the cgroup may hold some of each: ${(again as Error).message}`);
    }
    throw e;
  }
}
