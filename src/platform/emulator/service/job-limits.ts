/**
 * A job container's (HostProcess) limits on Linux: its own cgroup (cgroups.ts), made at start where a writable
 * hierarchy exists, which every process of the job joins (job-launch.ts). The JobContainer document's Limits
 * are applied at start and changed live by the same modify requests a Windows job object takes
 * (platform/jobs/document/modify.ts, same validation), and recorded in the document so `describe` shows them.
 * Conversion: JobMemoryLimitInBytes → memory limit; CpuRate (1/100 % of all CPUs) is Processor.Maximum's unit;
 * CpuWeight 1..9 scales around the job default 5 ↔ cgroup weight 100.
 */
import { hostProcessorCount } from '../../../util/host-cpus.js';
import type { ContainerDoc, ModifySettingRequestDoc } from '../../hcs/schema/index.js';
import type { JobLimitsDoc } from '../../jobs/schema.js';
import { limitsOfRequest, mergeLimits } from '../../jobs/document/index.js';
import { createCgroup } from './cgroups.js';
import { cgroupSupport } from './cgroup-support.js';
import { applyLimits } from './cgroup-limits.js';
import { removeCgroupWhenEmpty } from './cgroup-removal.js';
import { recreateCgroup } from './cgroup-recreate.js';
import { updateLimits } from './cgroup-update.js';
import { killCgroup } from './cgroup-kill.js';
import type { SystemRecord } from './records.js';
import { readOom } from './isolate.js';
import { limitsFailure } from './cgroup-errors.js';

const MiB = 1024 * 1024;

/** The job's limits in the compute-system shape the cgroup code applies. */
export function cgroupShape(l: JobLimitsDoc | undefined): ContainerDoc {
  const bytes = l?.JobMemoryLimitInBytes ?? 0;
  return {
    ...(bytes > 0 ? { Memory: { SizeInMB: Math.ceil(bytes / MiB) } } : {}),
    Processor: {
      ...(l?.CpuRate ? { Maximum: l.CpuRate } : {}),
      ...(l?.CpuWeight ? { Weight: Math.round((l.CpuWeight * 100) / 5) } : {}),
    },
  };
}

/**
 * At start: the job's cgroup (in emulator instance `instance`'s directory, cgroups.ts) with the document's limits
 * (none where cgroups are not writable; a failure throws). A recorded one is made again where it is gone.
 */
export function startJobCgroup(s: SystemRecord, log: (m: string) => void, instance: string): void {
  const j = s.job!;
  if (j.cgroup) return ensureJobCgroup('HcsStartComputeSystem', s, log);
  if (!cgroupSupport()) return;
  let cg;
  try {
    cg = createCgroup(s.id, instance);
    if (cg) applyLimits(cg, cgroupShape(j.document.Limits));
    j.cgroup = cg;
  } catch (e) {
    // Cgroups are there by design: a job without its limits is not what was asked for (cgroup-errors.ts).
    if (cg) removeCgroupWhenEmpty(cg, log);
    throw limitsFailure('HcsStartComputeSystem', s.id, e);
  }
}

/**
 * Before a process joins the job's recorded cgroup: its directory made again, with the job's limits, where it is
 * gone (cgroup-recreate.ts).
 */
export function ensureJobCgroup(op: string, s: SystemRecord, log: (m: string) => void): void {
  const cg = s.job?.cgroup;
  if (!cg) return;
  try {
    recreateCgroup(cg, cgroupShape(s.job!.document.Limits), { id: s.id, log });
  } catch (e) { throw limitsFailure(op, s.id, e); }
}

/**
 * A live update: validated as on Windows, applied to the cgroup (when there is one; where it is gone, made again with
 * the new limits: one write of each limit), recorded in the document. A failed write leaves the document as it was
 * and the cgroup with the recorded limits (written back, cgroup-update.ts; or the cgroup just made removed again,
 * cgroup-recreate.ts). `hostCpus` converts the request's CPU count to the job's rate and that rate back to the
 * cgroup's quota: one count for both.
 */
export function modifyJob(s: SystemRecord, req: ModifySettingRequestDoc, log: (m: string) => void, hostCpus = hostProcessorCount()): void {
  const j = s.job!;
  const limits = mergeLimits(j.document.Limits, limitsOfRequest(req, hostCpus));
  if (j.cgroup) {
    const shape = cgroupShape(limits);
    const o = { id: s.id, log, hostCpus };
    if (!recreateCgroup(j.cgroup, shape, o)) updateLimits(j.cgroup, shape, cgroupShape(j.document.Limits), o);
  }
  j.document = { ...j.document, Limits: limits };
}

/**
 * At stop: OOM kills are read; a process still in the cgroup (one that left the job's process groups: setsid,
 * daemons) ends with the job, as every process of a job object does; the cgroup goes once its last one has left.
 */
export function endJobCgroup(s: SystemRecord, log: (m: string) => void): void {
  const cg = s.job?.cgroup;
  if (!cg) return;
  readOom(s);
  killCgroup(cg);
  s.job!.cgroup = undefined;
  removeCgroupWhenEmpty(cg, log);
}
