/**
 * Cgroups of the layout before emulator instances had directories of their own: `<hierarchy>/wincri-emulator/<id>`
 * (now `wincri-emulator/instance-<instance>/<id>`, cgroups.ts). Services of that version that were killed, or whose
 * systems' removals ran out of time, left such directories behind empty, and no later service made or removed them
 * again (159 on one test host). At start, each one that no record of this instance names (a system made by an older
 * version keeps its recorded directory, and a utility VM's keeps those of its hosted systems inside it), that holds
 * no process at any depth, and whose times (ctime and mtime, and those of every directory below it) are an hour old
 * is removed, its children first. On cgroupfs those times are when the kernel last read the directory's inode in
 * (made, or read again after it dropped it from its cache), not its last change: a directory can look younger than
 * it is and wait for a later start, never the other way round. The hour spares what a service of the older version running
 * beside this one has just made (a job's cgroup before its first process, a directory not joined yet): this service
 * cannot see that one's records. One that goes anyway while a record names it (another instance's, stopped, or an
 * older version's system whose cgroup stayed empty) is made again when it is next used (cgroup-recreate.ts).
 * Instances' directories (`instance-*`, this one's or another's) and other services' probes (`.probe-<pid>`) are
 * never touched; the kernel refuses to remove a cgroup a process joined meanwhile, and that one stays.
 * WINCRI_EMULATOR_OLD_CGROUP_AGE_S sets another age (tests; negative: times up to that far ahead count as old too —
 * cgroupfs gives a directory's inode the time it was read in again after the kernel dropped it from its cache, so a
 * directory made a moment ago can look changed during the sweep itself).
 */
import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { cgroupSupport } from './cgroup-support.js';
import { INSTANCE_DIR_PREFIX } from './cgroups.js';
import type { SystemRecord } from './records.js';

/** The cgroup directories the records name (isolated systems' and job containers'). */
function recordedDirs(records: Iterable<SystemRecord>): string[] {
  const dirs: string[] = [];
  for (const r of records) dirs.push(...(r.isolation?.cgroup?.dirs ?? []), ...(r.job?.cgroup?.dirs ?? []));
  return dirs;
}

function subdirs(dir: string): string[] {
  try { return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { return []; }
}

/** Whether a process is in the cgroup or one below it (unreadable: counted as busy). */
function holdsProcesses(dir: string): boolean {
  try { if (readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== '') return true; } catch { return true; }
  return subdirs(dir).some((d) => holdsProcesses(join(dir, d)));
}

/** How long a directory of the old layout stays unchanged before it is removed (see above). */
export function oldLayoutMinAgeMs(): number {
  const v = Number(process.env.WINCRI_EMULATOR_OLD_CGROUP_AGE_S ?? '');
  return process.env.WINCRI_EMULATOR_OLD_CGROUP_AGE_S && Number.isFinite(v) ? v * 1000 : 3_600_000;
}

/** Whether the cgroup, or one below it, changed (ctime or mtime) after `since` (unreadable: counted as changed). */
function changedSince(dir: string, since: number): boolean {
  try {
    const st = statSync(dir);
    if (Math.max(st.ctimeMs, st.mtimeMs) > since) return true;
  } catch { return true; }
  return subdirs(dir).some((d) => changedSince(join(dir, d), since));
}

/** Removes the cgroup and those below it, deepest first; whether it is gone. */
function removeTree(dir: string): boolean {
  for (const d of subdirs(dir)) removeTree(join(dir, d));
  try { rmdirSync(dir); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ENOENT'; }
}

/** Removes the unused directories of the old layout (see above); returns those removed, and logs how many. */
export function sweepOldLayoutCgroups(
  records: Iterable<SystemRecord>, log: (m: string) => void, now = Date.now(), minAgeMs = oldLayoutMinAgeMs(),
): string[] {
  const sup = cgroupSupport();
  if (!sup) return [];
  const recorded = recordedDirs(records);
  const since = now - minAgeMs;
  const removed: string[] = [];
  for (const root of sup.roots) {
    for (const name of subdirs(root)) {
      if (name.startsWith(INSTANCE_DIR_PREFIX) || name.startsWith('.')) continue;
      const dir = join(root, name);
      if (recorded.some((r) => r === dir || r.startsWith(dir + sep))) continue;
      if (!holdsProcesses(dir) && !changedSince(dir, since) && removeTree(dir)) removed.push(dir);
    }
  }
  if (removed.length > 0) log(`cgroups: removed ${removed.length} unused cgroup(s) of the layout before instances (${sup.roots.join(', ')}/<id>)`);
  return removed;
}
