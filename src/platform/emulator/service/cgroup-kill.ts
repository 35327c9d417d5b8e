/**
 * Killing every process of a system's cgroup at stop, as a job object's termination does. v2 has it whole:
 * `cgroup.kill` (Linux 5.14+) kills every member, children forked meanwhile included, with no pid read and
 * signalled later (a pid the kernel reused meanwhile). Older v2 kernels: the cgroup is frozen first
 * (`cgroup.freeze`: nothing forks, no member exits and frees its pid), its members SIGKILLed (fatal signals reach
 * frozen tasks), then thawed. v1 (the job's memory and cpu hierarchies, no freezer): SIGKILL by pid, a few passes.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, type SystemCgroup } from './cgroups.js';
import { killV1Members } from './cgroup-kill-v1.js';
import { pidfdOps } from './pidfd.js';

const killAll = (pids: Set<number>) => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
};

/** How the cgroup's members were killed ('kill': cgroup.kill, 'frozen': under cgroup.freeze, 'pids': by pid). */
export function killCgroup(cg: SystemCgroup): 'kill' | 'frozen' | 'pids' {
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
  killV1Members({
    members: () => cgroupPids(cg), pidfd: pidfdOps(),
    killPid: (pid) => { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } },
  });
  return 'pids';
}
