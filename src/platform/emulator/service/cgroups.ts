/**
 * Job-object limits of a compute system as a Linux cgroup (limits: cgroup-limits.ts; removal: cgroup-removal.ts).
 * Used only as root where a cgroup hierarchy with the memory and cpu controllers is writable (cgroup-support.ts);
 * each system gets `<hierarchy>/wincri-emulator/instance-<instance>/<id>` (one directory per hierarchy on v1: memory,
 * cpu, and freezer where mounted, which pauses the system: cgroup-freeze.ts).
 * `<instance>` is the emulator instance's id (instance.ts: a hash of its state dir, as its network objects are
 * marked): two emulators on one host (two test files, a bench beside a test) that use the same system id no longer
 * share a cgroup, and a restarted instance makes its systems' cgroups where it made them before (their directories
 * are in the systems' records too). The instance's directory goes when the service stops with it empty; the shared
 * `wincri-emulator` above it stays (another instance may be making a cgroup in it). Directories of the layout before
 * instances, `wincri-emulator/<id>`, go at start where nothing uses them (cgroup-old-layout.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reclaimCgroupDirs } from './cgroup-pending.js';
import { cgroupSupport, enableV2 } from './cgroup-support.js';

export interface SystemCgroup {
  version: 1 | 2;
  /**
   * v2: the system's directory; v1: [memory directory, cpu directory, freezer directory where the host has a freezer
   * hierarchy (cgroup-freeze.ts; absent from records of older services)].
   */
  dirs: string[];
}

/** How the directory of an emulator instance under the shared parent begins. */
export const INSTANCE_DIR_PREFIX = 'instance-';

/** The directory of emulator instance `instance` under the shared parent. */
export const cgroupInstanceDir = (instance: string): string => `${INSTANCE_DIR_PREFIX}${instance}`;

/** The system's cgroup, in emulator instance `instance`'s directory; inside `parent` (a utility VM's) when given. */
export function createCgroup(id: string, instance: string, parent?: SystemCgroup): SystemCgroup | undefined {
  const sup = cgroupSupport();
  if (!sup) return undefined;
  const name = encodeURIComponent(id);
  if (parent) {
    const dirs = parent.dirs.map((d) => join(d, name));
    return made(parent.version, dirs);
  }
  const inst = cgroupInstanceDir(instance);
  if (sup.version === 2) {
    const parent = sup.roots[0]!;
    enableV2(parent, inst);
    return made(2, [join(parent, inst, name)]);
  }
  return made(1, sup.roots.map((r) => join(r, inst, name)));
}

/** The cgroup at `dirs`, made; a removal still waiting at its path is dropped (cgroup-pending.ts). */
function made(version: 1 | 2, dirs: string[]): SystemCgroup {
  reclaimCgroupDirs(dirs);
  for (const d of dirs) mkdirSync(d, { recursive: true });
  return { version, dirs };
}

/** Lets child cgroups (a utility VM's hosted systems) use the memory and cpu controllers (v2; v1 needs nothing). */
export function enableChildControllers(cg: SystemCgroup): void {
  if (cg.version === 2) writeFileSync(join(cg.dirs[0]!, 'cgroup.subtree_control'), '+memory +cpu');
}

/** Files a process writes "0" to in order to join the system's cgroup(s). */
export function procsFiles(cg: SystemCgroup): string[] {
  return cg.dirs.map((d) => join(d, 'cgroup.procs'));
}

/** The pids in the system's cgroup (its memory directory on v1), as the service sees them; empty when unreadable. */
export function cgroupPids(cg: SystemCgroup): Set<number> {
  try {
    return new Set(readFileSync(join(cg.dirs[0]!, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
  } catch { return new Set(); }
}
