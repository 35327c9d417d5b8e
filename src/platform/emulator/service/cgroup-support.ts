/**
 * Where the emulator's cgroups can go: the writable hierarchy with the memory and cpu controllers (cgroup v2
 * preferred, else the v1 memory and cpu hierarchies, and the v1 freezer hierarchy where one is mounted), each with the shared parent `wincri-emulator` the systems'
 * cgroups are made under (cgroups.ts). Only as root; probed once per process.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export const CGROUP_PARENT = 'wincri-emulator';

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
    // The freezer hierarchy, where mounted on its own, pauses a whole system (cgroup-freeze.ts); mounted with memory
    // or cpu, their directory has it already.
    const frz = ms.find((x) => x.type === 'cgroup' && x.opts.includes('freezer'));
    const freezer = frz && frz.dir !== mem.dir && frz.dir !== cpu.dir && writable(frz.dir) ? [join(frz.dir, CGROUP_PARENT)] : [];
    support = { version: 1, roots: [join(mem.dir, CGROUP_PARENT), join(cpu.dir, CGROUP_PARENT), ...freezer] };
  }
  return support;
}

/** What cgroupSupport found, without probing when it has not been asked yet (at stop: no cgroup was made then). */
export function probedCgroupSupport(): CgroupSupport | null {
  return support ?? null;
}

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
export function enableV2(parent: string, ...below: string[]): void {
  const chain = [parent, ...below.map((_, i) => join(parent, ...below.slice(0, i + 1)))];
  mkdirSync(chain[chain.length - 1]!, { recursive: true });
  for (const d of [join(parent, '..'), ...chain]) {
    try { writeFileSync(join(d, 'cgroup.subtree_control'), '+memory +cpu'); } catch { /* already enabled or not delegatable */ }
  }
}
