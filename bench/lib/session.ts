/**
 * Each runtime under benchmark runs in a session of its own, apart from the bench client, as a service manager
 * runs a CRI runtime apart from kubelet. With the kernel's autogroup on (/proc/sys/kernel/sched_autogroup_enabled,
 * on by default and on this machine) every session is one scheduling group, shared fairly with the other groups,
 * and a child started from the bench would share the client's group. The group's weight on each CPU follows where
 * its threads ran lately, so the runtime's threads then decide how fast the client gets a CPU: with a
 * single-threaded daemon the group's weight sat on the daemon's CPU, and a client woken onto the other CPU waited
 * behind other sessions' work (relist phase, perf sched: 1.3 ms mean after wincri's answers, 0.4 ms after
 * containerd's, whose Go threads spread the group over both CPUs; in own sessions 0.5 and 0.5).
 */
import { readFileSync } from 'node:fs';

/** Spawn options that start the child in a new session (setsid), hence a scheduling group of its own. */
export const OWN_SESSION = { detached: true } as const;

/** The session id of `pid` (/proc/<pid>/stat), undefined once it is gone. */
export function sessionOf(pid: number): number | undefined {
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
  const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  return Number.isInteger(session) ? session : undefined;
}

/** Whether the kernel groups scheduling by session. */
export function autogroupOn(): boolean {
  try { return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1'; } catch { return false; }
}

/** One line for the bench's log: the targets whose main process shares the client's session (none once each is in its own). */
export function describeSessions(targets: { name: string; pids(): number[] }[]): string {
  const mine = sessionOf(process.pid);
  const shared = targets.filter((t) => { const p = t.pids()[0]; return p !== undefined && sessionOf(p) === mine; }).map((t) => t.name);
  return `scheduling: autogroup ${autogroupOn() ? 'on' : 'off'}; ${shared.length ? `sharing the client's session (and scheduling group): ${shared.join(', ')}` : 'each runtime in a session of its own'}`;
}
