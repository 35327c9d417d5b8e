/**
 * A recorded cgroup (cgroups.ts) whose directory is gone is made again, with its system's limits, before a process
 * is placed in it or its limits are set (was: the write into the missing cgroup.procs or limit file failed the
 * launch, the start or the modify). What removes one under a record: another emulator instance's start sweeping the
 * unused cgroups of the layout before instances (cgroup-old-layout.ts; it sees no other instance's records, only
 * that nothing is in the cgroup: a job before its first process, a VM whose holder stays outside), or a person
 * cleaning up by hand. The system's own limits come back; a hosted system's VM gets its own when the VM's cgroup is
 * used (isolate.ts ensureIsolationCgroup). A making that fails part way removes the directories it made (still
 * empty: no process has joined them) before it throws: the cgroup is gone again, as before, and the next use makes
 * it again with all its limits (was: left there with some of them, which the next use took as made).
 */
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { ContainerDoc } from '../../hcs/schema/index.js';
import { applyLimits } from './cgroup-limits.js';
import { reclaimCgroupDirs } from './cgroup-pending.js';
import { enableChildControllers, type SystemCgroup } from './cgroups.js';
import { cgroupSupport, enableV2 } from './cgroup-support.js';

/**
 * v2: memory and cpu enabled for children in every cgroup above `dir`, from the hierarchy's root down
 * (cgroup-support.ts enableV2; without them the directory has no limit files).
 */
function enableAbove(dir: string): void {
  const sup = cgroupSupport();
  if (!sup || sup.version !== 2) return;
  const root = sup.roots[0]!;
  const rel = relative(root, dirname(dir));
  if (rel.startsWith('..') || isAbsolute(rel)) return;
  enableV2(root, ...rel.split(sep).filter(Boolean));
}

/** What a making needs: the system's id and the service's log (which says that the cgroup was made again). */
export interface RecreateContext {
  id: string;
  log: (m: string) => void;
  /** A utility VM's: its hosted systems' cgroups use the controllers below it. */
  vm?: boolean;
  /** The host processor count the limits are relative to, as applyLimits takes it. */
  hostCpus?: number;
}

/**
 * Makes `cg`'s directories again where one is gone and applies `limits` (once), logging that it did; whether it had
 * to. A failure removes the directories it made, then throws (the caller's limitsFailure: a system without its
 * limits is not what was asked for).
 */
export function recreateCgroup(cg: SystemCgroup, limits: ContainerDoc | undefined, o: RecreateContext): boolean {
  if (cg.dirs.every((d) => existsSync(d))) return false;
  reclaimCgroupDirs(cg.dirs);
  /** Each directory made, with the topmost one its mkdir made (a parent, for a v1 hierarchy's missing parts). */
  const made: [string, string][] = [];
  try {
    for (const d of cg.dirs) {
      if (existsSync(d)) continue;
      const top = mkdirSync(d, { recursive: true });
      if (top) made.push([d, top]);
      if (cg.version === 2) enableAbove(d);
    }
    applyLimits(cg, limits, o.hostCpus);
    if (o.vm) enableChildControllers(cg);
  } catch (e) {
    removeMade(made, o);
    throw e;
  }
  o.log(`cgroup of ${o.id} (${cg.dirs.join(', ')}) was gone; made again with its limits`);
  return true;
}

/** Removes the directories a failed making made, deepest first; one that will not go is logged. */
function removeMade(made: [string, string][], o: RecreateContext): void {
  for (const [d, top] of made.reverse()) {
    for (let at = d; ; at = dirname(at)) {
      try { rmdirSync(at); } catch (e) {
        o.log(`cgroup of ${o.id}: cannot remove ${at}, made for limits that failed: ${(e as Error).message}`);
        break;
      }
      if (at === top) break;
    }
  }
}
