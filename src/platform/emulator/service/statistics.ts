/**
 * Statistics and process lists of a compute system from /proc, accounted like a job object: per process (pid +
 * start time) the highest CPU / IO counters ever sampled, so totals stay monotonic after processes exit. The
 * system's processes are those of its process groups and, where it has a cgroup, every other member of it: a
 * process that left its group (setsid, setpgid — `timeout`, daemons) stays in the job, as on Windows.
 */
import type { StatisticsDoc, ProcessDetailsDoc } from '../../hcs/schema/index.js';
import { processesInGroups, processTable, startTimeMs, readStat, readStatus, readIo, TICK_100NS, type ProcStat } from './procfs.js';
import { cgroupPids } from './cgroups.js';
import type { SystemRecord } from './records.js';

/** The system's live processes (its namespace holder is not one of them). */
function members(s: SystemRecord, pgids: Set<number>): ProcStat[] {
  const cg = s.isolation?.cgroup ?? s.job?.cgroup;
  const more = cg ? cgroupPids(cg) : new Set<number>();
  if (s.holder) more.delete(s.holder.pid);
  if (more.size === 0) return processesInGroups(pgids);
  return processTable().filter((st) => pgids.has(st.pgrp) || more.has(st.pid));
}

export function statistics(s: SystemRecord, pgids: Set<number>): StatisticsDoc {
  const now = Date.now();
  const acct = s.acct ?? (s.acct = {});
  let commit = 0;
  let privateWs = 0;
  const seen = new Set<string>();
  if (s.state !== 'Stopped') {
    for (const st of members(s, pgids)) {
      const k = `${st.pid}:${st.starttime}`;
      seen.add(k);
      const io = readIo(st.pid);
      const prev = acct[k] ?? { u: 0, k: 0, rOps: 0, wOps: 0, rB: 0, wB: 0 };
      acct[k] = {
        u: Math.max(prev.u, st.utime), k: Math.max(prev.k, st.stime),
        rOps: Math.max(prev.rOps, io?.readOps ?? 0), wOps: Math.max(prev.wOps, io?.writeOps ?? 0),
        rB: Math.max(prev.rB, io?.readBytes ?? 0), wB: Math.max(prev.wB, io?.writeBytes ?? 0),
      };
      const ms = readStatus(st.pid);
      commit += ms?.rssAnonBytes ?? 0;
      privateWs += ms?.rssAnonBytes ?? 0;
    }
  }
  // Per process (pid + start time) the highest CPU / IO counters ever sampled; processes that exited keep their
  // last sample, so the totals are monotonic like a job object's accounting (time after the last sample is lost).
  foldGone(acct, seen);
  let user = 0, kernel = 0, rOps = 0, wOps = 0, rB = 0, wB = 0;
  for (const a of Object.values(acct)) { user += a.u ?? 0; kernel += a.k ?? 0; rOps += a.rOps; wOps += a.wOps; rB += a.rB; wB += a.wB; }
  const cpu = user + kernel;
  s.peakCommit = Math.max(s.peakCommit ?? 0, commit);
  const started = s.startedAt ? Date.parse(s.startedAt) : Date.parse(s.createdAt);
  return {
    Timestamp: new Date(now).toISOString(),
    ContainerStartTime: new Date(started).toISOString(),
    Uptime100ns: Math.max(0, (now - started) * 10_000),
    Processor: { TotalRuntime100ns: cpu * TICK_100NS, RuntimeUser100ns: user * TICK_100NS, RuntimeKernel100ns: kernel * TICK_100NS },
    Memory: { MemoryUsageCommitBytes: commit, MemoryUsageCommitPeakBytes: s.peakCommit, MemoryUsagePrivateWorkingSetBytes: privateWs },
    Storage: { ReadCountNormalized: rOps, ReadSizeBytes: rB, WriteCountNormalized: wOps, WriteSizeBytes: wB },
  };
}

export function processList(s: SystemRecord, pgids: Set<number>): ProcessDetailsDoc[] {
  if (s.state === 'Stopped') return [];
  return members(s, pgids).map((st) => {
    const ms = readStatus(st.pid);
    return {
      ProcessId: st.pid, ImageName: st.comm, CreateTimestamp: new Date(startTimeMs(st)).toISOString(),
      UserTime100ns: st.utime * TICK_100NS, KernelTime100ns: st.stime * TICK_100NS,
      MemoryCommitBytes: ms?.rssAnonBytes ?? 0, MemoryWorkingSetPrivateBytes: ms?.rssAnonBytes ?? 0,
      MemoryWorkingSetSharedBytes: ms?.rssSharedBytes ?? 0,
    };
  });
}

type Acct = NonNullable<SystemRecord['acct']>;

/** Whether the process of an accounting key (`<pid>:<start time>`) still exists (a zombie too). */
function exists(key: string): boolean {
  const [pid, start] = key.split(':').map(Number);
  if (!Number.isInteger(pid) || pid! <= 0) return false;
  return readStat(pid!)?.starttime === start;
}
/** The entry that sums the last samples of processes no longer seen. */
const GONE = 'gone';

/**
 * Folds the entries of processes not seen in this scan and gone for good (no process with that pid and start time
 * any more) into one sum: the totals stay the same and monotonic, and the record holds one entry per live process
 * instead of one per process the system ever ran (an exec'd probe every 10 s is 8 640 a day). A process this scan
 * missed but that still exists (a cgroup read failed, a zombie not reaped yet) keeps its entry: folded, then seen
 * again, its counters would count twice.
 */
function foldGone(acct: Acct, seen: Set<string>): void {
  for (const [k, a] of Object.entries(acct)) {
    if (k === GONE || seen.has(k) || exists(k)) continue;
    const g = acct[GONE] ?? (acct[GONE] = { u: 0, k: 0, rOps: 0, wOps: 0, rB: 0, wB: 0 });
    g.u += a.u ?? 0; g.k += a.k ?? 0; g.rOps += a.rOps; g.wOps += a.wOps; g.rB += a.rB; g.wB += a.wB;
    delete acct[k];
  }
}
