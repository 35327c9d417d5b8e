/**
 * Container resources → job object limits, converted as hcsshim's jobcontainers do: a CPU count becomes a CPU
 * rate of count/hostCPUs (in 1/100 %, at least 1), CPU maximum is already a rate, CPU shares (0..10000) become a
 * job weight 1..9; the memory limit is the job memory limit. One CPU control at a time, as for compute systems.
 */
import type { SpecWindowsResources } from '../../spec.js';
import type { JobLimitsDoc } from '../schema.js';
import { DocumentError } from '../../hcs/document/errors.js';

export function jobLimits(r: SpecWindowsResources | undefined, hostProcessorCount: number): JobLimitsDoc | undefined {
  if (!r) return undefined;
  const out: JobLimitsDoc = {};
  const cpu = r.cpu ?? {};
  const set = (['count', 'shares', 'maximum'] as const).filter((k) => (cpu[k] ?? 0) > 0);
  if (set.length > 1) throw new DocumentError(`windows resources: cpu ${set.join(', ')} are mutually exclusive (a job object takes one CPU control)`);
  if ((cpu.count ?? 0) > 0) {
    const hostCpus = Math.max(1, hostProcessorCount);
    out.CpuRate = Math.max(1, Math.min(10000, Math.floor((Math.min(cpu.count!, hostCpus) * 10000) / hostCpus)));
  } else if ((cpu.maximum ?? 0) > 0) {
    out.CpuRate = Math.min(10000, cpu.maximum!);
  } else if ((cpu.shares ?? 0) > 0) {
    out.CpuWeight = 1 + Math.floor((8 * Math.min(10000, cpu.shares!)) / 10000);
  }
  if ((r.memory?.limit ?? 0) > 0) out.JobMemoryLimitInBytes = r.memory!.limit!;
  return Object.keys(out).length > 0 ? out : undefined;
}
