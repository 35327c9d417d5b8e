/**
 * Awaiting the exit of processes the service SIGKILLed (helper-orphans.ts, service-stop.ts): a killed process goes
 * on running until it is scheduled to take the signal and has torn down its namespaces and memory — under load, or
 * in a frozen v1 cgroup (cgroup-freeze.ts), for a while. A sweep that reports them ended waits for that, so whoever
 * it answers (a client of the service that loaded its records, `wincri shutdown` about to remove the state dir)
 * finds them gone. A process is named by pid and start time: a pid reused meanwhile is another process, gone ones.
 */
import { sameProcess } from './procfs.js';

/** A process by pid and start time (procfs.sameProcess): a pid reused meanwhile is another process. */
export interface ProcId { pid: number; startTicks: number }

/**
 * Resolves once none of `procs` runs, or after `boundMs` (a process held in a frozen cgroup, stuck in the kernel):
 * with those still running. `waiting` hears once of those found running at the first look.
 */
export async function awaitExit(procs: readonly ProcId[], boundMs: number, waiting?: (left: ProcId[]) => void): Promise<ProcId[]> {
  let left = procs.filter(sameProcess);
  if (left.length > 0) waiting?.(left);
  const deadline = Date.now() + boundMs;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = left.filter(sameProcess);
  }
  return left;
}
