/**
 * Which process record a pid names in a compute system. HCS identifies a system's processes by pid, and Linux
 * reuses pids (pid_max may be as low as 32768): an exited record kept on (the init process, a handle still open, a
 * restart's grace: process-forget.ts) can share its pid with a process created later in the same system. The live
 * process wins; among several with the pid, the newest. An exited record is reached only while no live one has
 * its pid, and then the newest exited one (the process a caller of that pid last created).
 */
import type { ProcRecord } from './records.js';

export function recordOfPid(processes: readonly ProcRecord[], pid: unknown): ProcRecord | undefined {
  let found: ProcRecord | undefined;
  // Records are in creation order: a later one replaces a live find only if it is live too.
  for (const p of processes) if (p.pid === pid && (!found || found.exited || !p.exited)) found = p;
  return found;
}
