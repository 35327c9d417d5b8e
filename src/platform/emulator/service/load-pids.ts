/**
 * A service start and the pids its records share (a pid the kernel reused while an older record with it was kept:
 * proc-lookup.ts). What the service keeps per pid (the live entry, procKey: output relays, stdin spool, waiters)
 * belongs to one record, as on the live path (pid-reuse.ts): the one whose process is alive (pid and start time
 * still match), else the newest. The others are earlier processes of that pid: each stays in the system as an exited
 * record (its exit, if still unrecorded, is recorded as a re-adopted process's), and its output files go, since no
 * reader can reach them by pid any more (was: every record's FIFOs and stdin were reopened onto the one entry, and
 * the live process's output read showed an earlier process's).
 */
import type { ProcRecord, SystemRecord } from './records.js';
import { releaseProcess } from './process-forget.js';

/** The records of `processes` that do not own their pid's live entry (see above). */
export function supersededRecords(processes: readonly ProcRecord[], alive: (p: ProcRecord) => boolean): Set<ProcRecord> {
  const owner = new Map<number, ProcRecord>();
  for (const p of processes) {
    const had = owner.get(p.pid);
    // Records are in creation order: a later one takes over unless the earlier one is the live process.
    if (!had || !alive(had)) owner.set(p.pid, p);
  }
  return new Set(processes.filter((p) => owner.get(p.pid) !== p));
}

/**
 * Settles the superseded records of `s` (returned): an exit still unrecorded is recorded now, while no live entry
 * exists for the pid (before the owner's is made), so it touches nothing of the owner's; their output files go.
 */
export function settleSuperseded(
  s: SystemRecord, alive: (p: ProcRecord) => boolean,
  h: { markAdoptedExit(s: SystemRecord, p: ProcRecord): void; log(m: string): void },
): Set<ProcRecord> {
  const older = supersededRecords(s.processes, alive);
  for (const p of older) {
    if (!p.exited) h.markAdoptedExit(s, p);
    try { releaseProcess(p, undefined, h.log); } catch (e) { h.log(`releasing process ${p.pid} of ${s.id}: ${(e as Error).message}`); }
    h.log(`process ${p.pid} of ${s.id}: a later process has its pid; this earlier record stays as an exited one, without its output`);
  }
  return older;
}
