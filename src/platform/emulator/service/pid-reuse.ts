/**
 * A process created in a system under the pid of an older record of that system (Linux reused the pid: see
 * proc-lookup.ts). What the service keeps per pid (the live entry: output relays, stdin spool, waiters; keyed by
 * procKey) belonged to the older process: it is released, so the new process starts with an entry of its own and
 * the older record's forgetting later cannot release the new one's. An older record still marked running is dead
 * in fact (the kernel gave its pid away): its exit is recorded as a re-adopted process's is (its status file, else
 * unknown). Handle counts stay per pid (HCS's identity of a process): a handle on the pid counts for both.
 */
import type { LiveProc } from './live-proc.js';
import type { ProcRecord, SystemRecord } from './records.js';
import { procKey, releaseProcess } from './process-forget.js';

export interface PidReuseHost {
  live: Map<string, LiveProc>;
  markAdoptedExit(s: SystemRecord, p: ProcRecord): void;
  log(msg: string): void;
}

/** Call before the new process's record is added to `s.processes`. */
export function supersedeRecords(h: PidReuseHost, s: SystemRecord, pid: number): void {
  const older = s.processes.filter((p) => p.pid === pid);
  if (older.length === 0) return;
  for (const p of older) {
    if (p.exited) continue;
    h.log(`process ${pid} of ${s.id} was recorded as running, but a new process has its pid: recording the old one's exit`);
    h.markAdoptedExit(s, p);
  }
  const k = procKey(s.id, pid);
  const lp = h.live.get(k);
  if (!lp) return;
  // Each earlier reuse released its predecessor's entry: this one is the newest older record's.
  const owner = older[older.length - 1]!;
  try { releaseProcess(owner, lp, h.log); } catch (e) { h.log(`releasing process ${pid} of ${s.id}: ${(e as Error).message}`); }
  h.live.delete(k);
}
