/**
 * A container's own processes in a /proc scan: a process whose parent has the very same command line is a fork of
 * it that has not exec'd yet (the container's shell forks each `sleep`, and the child carries the shell's command
 * line, and so its pod's mark, until its exec). It is no process of the container that must outlive a kill,
 * however long it waits for its exec: on a host at load 100, such forks outlived the two scans 50 ms apart and,
 * gone after the kill, were reported as "died across the daemon kill" while the container ran on.
 */
export interface Scanned { pid: number; ppid: number; cmd: string }

export function withoutForks<T extends Scanned>(scan: readonly T[]): T[] {
  const byPid = new Map(scan.map((p) => [p.pid, p]));
  return scan.filter((p) => byPid.get(p.ppid)?.cmd !== p.cmd);
}
