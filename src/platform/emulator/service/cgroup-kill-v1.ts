/**
 * Killing a v1 cgroup's members (not frozen first: cgroup-kill.ts says why) without hitting a process that
 * reused a member's pid. With pidfds (pidfd.ts): a pidfd is opened for every pid listed, the members are listed
 * again, and only a pidfd whose pid is still listed is signalled. A pidfd that can still be signalled names a
 * process that was alive at that second listing, so the pid listed then was that process: a member. A member that
 * exited before (its pid free or reused) makes its pidfd fail or name the newcomer, which the second listing shows
 * only if the newcomer is a member too. A pidfd that could not be opened for another reason than the pid being
 * free (ESRCH) — out of descriptors, say — is no proof the member is gone: that member is killed by pid if the
 * second listing still shows it. Without pidfds: the pids are looked up again, a small batch per listing read, right
 * before their kills, which narrows the window (a member exiting and its pid reused between that read and the
 * kill) but cannot close it. A few passes catch members forked meanwhile.
 */
import { constants } from 'node:os';
import type { PidfdOps } from './pidfd.js';

const PASSES = 3;
/** Pids killed by pid per listing read: a read per pid made a large cgroup's kill quadratic. */
export const CHECK_BATCH = 16;

export interface V1KillDeps {
  /** The cgroup's member pids now (empty when unreadable). */
  members(): Set<number>;
  pidfd: PidfdOps | null;
  /** SIGKILL by pid (the fallback without pidfds). */
  killPid(pid: number): void;
}

/** Kills the members; returns how many signals were sent. */
export function killV1Members(d: V1KillDeps): number {
  let sent = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const listed = d.members();
    if (listed.size === 0) break;
    sent += d.pidfd ? killThroughPidfds(listed, d, d.pidfd) : killCheckingEach(listed, d);
  }
  return sent;
}

function killThroughPidfds(listed: Set<number>, d: V1KillDeps, ops: PidfdOps): number {
  const fds = new Map<number, number>();
  const byPid: number[] = [];
  for (const pid of listed) {
    const r = ops.open(pid);
    if ('fd' in r) fds.set(pid, r.fd);
    else if (r.errno !== constants.errno.ESRCH) byPid.push(pid);
  }
  let sent = 0;
  try {
    const still = d.members();
    for (const [pid, fd] of fds) if (still.has(pid) && ops.kill(fd)) sent++;
  } finally {
    for (const fd of fds.values()) ops.close(fd);
  }
  return sent + killCheckingEach(byPid, d);
}

function killCheckingEach(listed: Iterable<number>, d: V1KillDeps): number {
  let sent = 0;
  const pids = [...listed];
  for (let i = 0; i < pids.length; i += CHECK_BATCH) {
    const still = d.members();
    for (const pid of pids.slice(i, i + CHECK_BATCH)) {
      if (!still.has(pid)) continue;
      d.killPid(pid);
      sent++;
    }
  }
  return sent;
}
