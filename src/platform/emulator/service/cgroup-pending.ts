/**
 * Cgroup removals still waiting for their last task to leave (cgroup-removal.ts). A cgroup made again at a path
 * with such a removal (a system isolated again after a service restart: isolate.ts ends the old isolation, then
 * makes the cgroup at the same path) takes that path back: the waiting removal is dropped, or its retry would
 * remove the new cgroup once it is empty for a moment.
 */
import type { SystemCgroup } from './cgroups.js';

export const pendingRemovals = new Set<SystemCgroup>();

/** Drops the waiting removals of any of `dirs` (they are in use again). */
export function reclaimCgroupDirs(dirs: readonly string[]): void {
  for (const cg of pendingRemovals) if (cg.dirs.some((d) => dirs.includes(d))) pendingRemovals.delete(cg);
}
