/**
 * A named cgroup-v1 hierarchy mounted with `favordynmods` under the service's state dir while it runs (opt-in:
 * WINCRI_EMULATOR_FAVORDYNMODS=1; as root, on cgroup v1, Linux ≥ 6.1). Off by default because it is host-wide: it
 * changes cgroup.procs writes for every process of the host (other runtimes too), and from 6.18 for the rest of
 * the boot. The option is the kernel's documented
 * trade-off for workloads that move tasks between cgroups often: a cgroup.procs write (the holder's and the
 * entering helper's cgroup joins, one or more per container start) then no longer waits for an RCU grace period
 * (6–14 ms on a fresh boot), at the cost of slower fork/exit. The hierarchy holds no task and no controller. From
 * Linux 6.18 the mount switches cgroup.procs writes to a per-threadgroup lock for the rest of the boot (a one-way
 * switch): it is unmounted at once, so a killed service leaves no mount behind. Older kernels keep the effect
 * only while the hierarchy exists: it stays mounted until the service stops.
 * What happened is reported with the isolation facts (Isolation.CgroupFavorDynmods → `crictl info`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { mounts } from './cgroup-support.js';

export interface DynmodsFacts {
  /** The kernel favours dynamic cgroup changes (a hierarchy was mounted with favordynmods). */
  Applied: boolean;
  /** Where it stays mounted until the service stops (kernels < 6.18). */
  Path?: string;
  Reason?: string;
}

const NAME = 'wincri-dynmods';
let facts: DynmodsFacts = { Applied: false, Reason: 'not tried' };
let mounted: string | undefined;

export function dynmodsFacts(): DynmodsFacts { return facts; }

/** Whether the kernel release is at least major.minor. */
export function kernelAtLeast(rel: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  if (!m) return false;
  return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

function mountedAt(dir: string): boolean {
  return mounts().some((m) => m.dir === dir);
}

/** Mounts the hierarchy once (a leftover mount of a killed service is reused); `v1`: the cgroup version in use. */
export function mountDynmods(stateDir: string, version: 1 | 2 | undefined): DynmodsFacts {
  if (process.env.WINCRI_EMULATOR_FAVORDYNMODS !== '1') {
    return (facts = { Applied: false, Reason: 'off (WINCRI_EMULATOR_FAVORDYNMODS=1 turns it on; it flips a host-wide kernel setting, from Linux 6.18 until reboot)' });
  }
  if (process.getuid?.() !== 0) return (facts = { Applied: false, Reason: 'the service is not root' });
  if (version !== 1) return (facts = { Applied: false, Reason: version === 2 ? 'cgroup v2 (favordynmods is a v1 mount option here)' : 'no writable cgroup hierarchy' });
  if (!kernelAtLeast(release(), 6, 1)) return (facts = { Applied: false, Reason: `kernel ${release()} is older than 6.1` });
  const dir = join(stateDir, 'cgroup-dynmods');
  if (!mountedAt(dir)) {
    try { mkdirSync(dir, { recursive: true }); } catch (e) { return (facts = { Applied: false, Reason: `cannot make ${dir}: ${(e as Error).message}` }); }
    const r = spawnSync('mount', ['-t', 'cgroup', '-o', `none,name=${NAME},favordynmods`, 'cgroup', dir], { encoding: 'utf8' });
    if (r.status !== 0) return (facts = { Applied: false, Reason: `mount failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}` });
  }
  if (kernelAtLeast(release(), 6, 18)) {
    // The facts first: an unmount that fails adds its reason (and the mount left) to them.
    facts = { Applied: true };
    mounted = dir;
    unmountDynmods();
    return facts;
  }
  mounted = dir;
  return (facts = { Applied: true, Path: dir });
}

/** Unmounts it (service stop, or at once from 6.18); the hierarchy goes with its last mount as it holds no cgroup. */
export function unmountDynmods(): void {
  if (!mounted) return;
  const dir = mounted;
  mounted = undefined;
  const r = spawnSync('umount', [dir], { encoding: 'utf8' });
  if (r.status === 0) try { rmdirSync(dir); } catch { /* kept */ }
  if (r.status !== 0) facts = { ...facts, Path: dir, Reason: `umount ${dir} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}` };
  else delete facts.Path;
}
