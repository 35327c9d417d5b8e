/**
 * Job-object limits of a compute system as a Linux cgroup: Container.Memory.SizeInMB → memory.max (v2) /
 * memory.limit_in_bytes (v1); Container.Processor (one of Count / Maximum / Weight, as HCS requires) → cpu.max
 * and cpu.weight (v2) / cpu.cfs_quota_us and cpu.shares (v1). OOM kills are counted from memory.events (v2) /
 * memory.oom_control (v1). Used only as root where a cgroup hierarchy with the memory and cpu controllers is
 * writable; each system gets `<hierarchy>/wincri-emulator/instance-<instance>/<id>` (one directory per hierarchy on
 * v1). `<instance>` is the emulator instance's id (instance.ts: a hash of its state dir, as its network objects are
 * marked): two emulators on one host (two test files, a bench beside a test) that use the same system id no longer
 * share a cgroup, and a restarted instance makes its systems' cgroups where it made them before (their directories
 * are in the systems' records too). The instance's directory goes when the service stops with it empty; the shared
 * `wincri-emulator` above it stays (another instance may be making a cgroup in it).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, accessSync, constants } from 'node:fs';
import { hostProcessorCount } from '../../../util/host-cpus.js';
import { join } from 'node:path';
import type { ContainerDoc } from '../../hcs/schema/index.js';

export const CGROUP_PARENT = 'wincri-emulator';
const PERIOD_US = 100_000;
const MiB = 1024 * 1024;

export interface SystemCgroup {
  version: 1 | 2;
  /** v2: the system's directory; v1: [memory directory, cpu directory]. */
  dirs: string[];
}

export interface CgroupSupport { version: 1 | 2; roots: string[] }

/** The mount table of this process's mount namespace (`/proc/self/mounts`); empty where it cannot be read. */
export function mounts(): { dir: string; type: string; opts: string[] }[] {
  try {
    return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '))
      .filter((f) => f.length > 3).map((f) => ({ dir: f[1]!, type: f[2]!, opts: f[3]!.split(',') }));
  } catch { return []; }
}

function writable(dir: string): boolean {
  try { accessSync(dir, constants.W_OK); return true; } catch { return false; }
}

let support: CgroupSupport | null | undefined;
/** The writable hierarchy with memory and cpu control, v2 preferred; null when none. */
export function cgroupSupport(): CgroupSupport | null {
  if (support !== undefined) return support;
  support = null;
  if (process.getuid?.() !== 0) return support;
  const ms = mounts();
  for (const m of ms.filter((x) => x.type === 'cgroup2')) {
    let ctrl: string[] = [];
    try { ctrl = readFileSync(join(m.dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/); } catch { continue; }
    const root = join(m.dir, CGROUP_PARENT);
    if (ctrl.includes('memory') && ctrl.includes('cpu') && writable(m.dir) && childrenLimitable(root)) { support = { version: 2, roots: [root] }; return support; }
  }
  const mem = ms.find((x) => x.type === 'cgroup' && x.opts.includes('memory'));
  const cpu = ms.find((x) => x.type === 'cgroup' && x.opts.includes('cpu'));
  if (mem && cpu && writable(mem.dir) && writable(cpu.dir)) {
    support = { version: 1, roots: [join(mem.dir, CGROUP_PARENT), join(cpu.dir, CGROUP_PARENT)] };
  }
  return support;
}

function put(file: string, value: string): void { writeFileSync(file, value); }

/**
 * v2: whether a system's cgroup under `parent` gets memory and cpu limit files. Enabling the controllers for
 * children fails where the hierarchy's root holds processes (EBUSY, as in a container on a v2 host); then no
 * limits can be applied, and the hierarchy counts as unavailable (isolation facts say so) rather than every
 * start failing on a missing memory.max.
 */
function childrenLimitable(parent: string): boolean {
  try {
    enableV2(parent);
    const probe = join(parent, `.probe-${process.pid}`);
    mkdirSync(probe, { recursive: true });
    try {
      accessSync(join(probe, 'memory.max'), constants.W_OK);
      accessSync(join(probe, 'cpu.max'), constants.W_OK);
      return true;
    } finally { rmdirSync(probe); }
  } catch { return false; }
}

/**
 * Creates our parent and the directories below it (`below`: an instance's) and enables memory and cpu for children
 * on the way down (the hierarchy's root, our parent, each of them).
 */
function enableV2(parent: string, ...below: string[]): void {
  const chain = [parent, ...below.map((_, i) => join(parent, ...below.slice(0, i + 1)))];
  mkdirSync(chain[chain.length - 1]!, { recursive: true });
  for (const d of [join(parent, '..'), ...chain]) {
    try { put(join(d, 'cgroup.subtree_control'), '+memory +cpu'); } catch { /* already enabled or not delegatable */ }
  }
}

/** The directory of emulator instance `instance` under the shared parent. */
export const cgroupInstanceDir = (instance: string): string => `instance-${instance}`;

/** The system's cgroup, in emulator instance `instance`'s directory; inside `parent` (a utility VM's) when given. */
export function createCgroup(id: string, instance: string, parent?: SystemCgroup): SystemCgroup | undefined {
  const sup = cgroupSupport();
  if (!sup) return undefined;
  const name = encodeURIComponent(id);
  if (parent) {
    const dirs = parent.dirs.map((d) => join(d, name));
    for (const d of dirs) mkdirSync(d, { recursive: true });
    return { version: parent.version, dirs };
  }
  const inst = cgroupInstanceDir(instance);
  if (sup.version === 2) {
    const parent = sup.roots[0]!;
    enableV2(parent, inst);
    const dir = join(parent, inst, name);
    mkdirSync(dir, { recursive: true });
    return { version: 2, dirs: [dir] };
  }
  const dirs = sup.roots.map((r) => join(r, inst, name));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  return { version: 1, dirs };
}

/** At service stop, after the removals (flushCgroupRemovals): the instance's directories, where they are empty. */
export function removeInstanceCgroups(instance: string): void {
  const sup = support;
  if (!sup) return;
  for (const r of sup.roots) {
    try { rmdirSync(join(r, cgroupInstanceDir(instance))); } catch { /* absent, or a system's cgroup is left in it */ }
  }
}

/** Lets child cgroups (a utility VM's hosted systems) use the memory and cpu controllers (v2; v1 needs nothing). */
export function enableChildControllers(cg: SystemCgroup): void {
  if (cg.version === 2) put(join(cg.dirs[0]!, 'cgroup.subtree_control'), '+memory +cpu');
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

/** Applies the document's memory and processor settings (unset → unlimited / default weight). */
export function applyLimits(cg: SystemCgroup, c: ContainerDoc | undefined, hostCpus = hostProcessorCount()): void {
  const mb = c?.Memory?.SizeInMB ?? 0;
  const p = c?.Processor ?? {};
  let quota = 0; // µs per period; 0 = unlimited
  if (p.Count && p.Count > 0) quota = Math.min(p.Count, hostCpus) * PERIOD_US;
  else if (p.Maximum && p.Maximum > 0) quota = Math.max(1000, Math.round((p.Maximum / 10000) * hostCpus * PERIOD_US));
  const weight = p.Weight && p.Weight > 0 ? Math.min(10000, p.Weight) : 100;
  if (cg.version === 2) {
    const d = cg.dirs[0]!;
    put(join(d, 'memory.max'), mb > 0 ? String(mb * MiB) : 'max');
    put(join(d, 'cpu.max'), `${quota > 0 ? quota : 'max'} ${PERIOD_US}`);
    put(join(d, 'cpu.weight'), String(weight));
    return;
  }
  const [mem, cpu] = cg.dirs as [string, string];
  put(join(mem, 'memory.limit_in_bytes'), mb > 0 ? String(mb * MiB) : '-1');
  put(join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
  put(join(cpu, 'cpu.cfs_quota_us'), quota > 0 ? String(quota) : '-1');
  // cpu.shares 1024 is the default weight, as 100 is for cpu.weight and HCS.
  put(join(cpu, 'cpu.shares'), String(Math.max(2, Math.round((weight * 1024) / 100))));
}

/** How many processes the kernel's OOM killer killed in the system's cgroup; undefined when unreadable. */
export function oomKills(cg: SystemCgroup): number | undefined {
  const file = cg.version === 2 ? join(cg.dirs[0]!, 'memory.events') : join(cg.dirs[0]!, 'memory.oom_control');
  try {
    const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return undefined; }
}

/** Removes the system's cgroup directories; false while processes are still leaving them. */
export function removeCgroup(cg: SystemCgroup): boolean {
  let done = true;
  for (const d of cg.dirs) {
    try { rmdirSync(d); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') done = false; }
  }
  return done;
}

/** Removes the cgroup once its last process is gone (the kernel refuses while any remain). */
/** Cgroups waiting for their last task to leave (the kernel drops exited tasks a moment after the kill). */
const pending = new Set<SystemCgroup>();

export function removeCgroupWhenEmpty(cg: SystemCgroup, log: (m: string) => void, deadlineMs = 30_000): void {
  const until = Date.now() + deadlineMs;
  const tick = () => {
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
