/**
 * Removal of the systems' cgroups (cgroups.ts): the kernel refuses while a process remains, and drops killed
 * tasks a moment after the kill, so a removal is retried until the cgroup is empty; at service stop the pending
 * ones get a little more time, then the instance's own directory goes where it is empty.
 */
import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { probedCgroupSupport } from './cgroup-support.js';
import { pendingRemovals as pending } from './cgroup-pending.js';
import { cgroupInstanceDir, type SystemCgroup } from './cgroups.js';

/** Removes the system's cgroup directories; false while processes are still leaving them. */
export function removeCgroup(cg: SystemCgroup): boolean {
  let done = true;
  for (const d of cg.dirs) {
    try { rmdirSync(d); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') done = false; }
  }
  return done;
}

/**
 * Removes the cgroup once its last process is gone, retrying for up to `deadlineMs` (the kernel drops exited tasks
 * a moment after the kill) unless a cgroup is made again at its path meanwhile (cgroup-pending.ts).
 */
export function removeCgroupWhenEmpty(cg: SystemCgroup, log: (m: string) => void, deadlineMs = 30_000): void {
  const until = Date.now() + deadlineMs;
  const tick = () => {
    if (!pending.has(cg)) return;
    if (removeCgroup(cg)) { pending.delete(cg); return; }
    if (Date.now() > until) { pending.delete(cg); log(`cgroup ${cg.dirs.join(', ')} still busy; left in place`); return; }
    setTimeout(tick, 100).unref();
  };
  pending.add(cg);
  tick();
}

/**
 * At service stop: the removals still waiting get up to `ms` more (their retry timers do not keep the process
 * alive, so a service stopped right after a terminate would otherwise leave the empty cgroups behind).
 */
export async function flushCgroupRemovals(ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (pending.size > 0 && Date.now() < until) {
    for (const cg of [...pending]) if (removeCgroup(cg)) pending.delete(cg);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
  }
}

/** At service stop, after the removals (flushCgroupRemovals): the instance's directories, where they are empty. */
export function removeInstanceCgroups(instance: string): void {
  const sup = probedCgroupSupport();
  if (!sup) return;
  for (const r of sup.roots) {
    try { rmdirSync(join(r, cgroupInstanceDir(instance))); } catch { /* absent, or a system's cgroup is left in it */ }
  }
}
