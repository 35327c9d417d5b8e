/**
 * Killing every process of a system's cgroup at stop, as a job object's termination does. v2 has it whole:
 * `cgroup.kill` (Linux 5.14+) kills every member, children forked meanwhile included, with no pid read and
 * signalled later (a pid the kernel reused meanwhile). Older v2 kernels: the cgroup is frozen first
 * (`cgroup.freeze`: nothing forks, no member exits and frees its pid), its members SIGKILLed (fatal signals reach
 * frozen tasks), then thawed. v1: SIGKILL by pid, a few passes (cgroup-kill-v1.ts). A v1 freezer (cgroup-freeze.ts)
 * is not used here: its tasks stop forking and exiting only once the cgroup reads FROZEN, which this synchronous kill
 * would have to poll for, and the pidfd-checked kill is race-free without it. A system frozen by its pause is killed
 * frozen and thawed before this runs (system-pause.ts killFrozenSystem).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, type SystemCgroup } from './cgroups.js';
import { killV1Members, type V1KillDeps } from './cgroup-kill-v1.js';
import { pidfdOps } from './pidfd.js';

const killPid = (pid: number) => { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } };
const killAll = (pids: Set<number>) => { for (const pid of pids) killPid(pid); };

/**
 * How the cgroup's members were killed ('kill': cgroup.kill, 'frozen': under cgroup.freeze, 'pids': by pid).
 * `v1`: the pidfds and the kill by pid the v1 path uses (the host's by default).
 */
export function killCgroup(cg: SystemCgroup, v1: Partial<Pick<V1KillDeps, 'pidfd' | 'killPid'>> = {}): 'kill' | 'frozen' | 'pids' {
  const dir = cg.dirs[0]!;
  if (cg.version === 2 && existsSync(join(dir, 'cgroup.kill'))) {
    try { writeFileSync(join(dir, 'cgroup.kill'), '1'); return 'kill'; } catch { /* fall back below */ }
  }
  if (cg.version === 2 && existsSync(join(dir, 'cgroup.freeze'))) {
    try {
      writeFileSync(join(dir, 'cgroup.freeze'), '1');
      try { killAll(cgroupPids(cg)); } finally { writeFileSync(join(dir, 'cgroup.freeze'), '0'); }
      return 'frozen';
    } catch { /* fall back below */ }
  }
  killV1Members({ members: () => cgroupPids(cg), pidfd: v1.pidfd !== undefined ? v1.pidfd : pidfdOps(), killPid: v1.killPid ?? killPid });
  return 'pids';
}
