/**
 * Job object limits: set at creation from the document, and changed live by the same modify requests the runtime
 * sends a compute system for UpdateContainerResources (Container/Memory/SizeInMB, Container/Processor with one of
 * Count / Maximum / Weight), read by platform/jobs/document/modify.ts (shared with the emulator).
 * hcsshim's job containers refuse modify; a job object takes new limits while it runs, so wincri applies them.
 */
import type { JobLimitsDoc } from '../../jobs/schema.js';
import {
  type Bindings, type Pointer, win32Error, extendedLimitInformation, cpuRateControlInformation,
  JobObjectExtendedLimitInformation, JobObjectCpuRateControlInformation, JOB_OBJECT_LIMIT_JOB_MEMORY,
  JOB_OBJECT_CPU_RATE_CONTROL_ENABLE, JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED,
} from '../ffi/index.js';

function check(b: Bindings, ok: number, op: string, what: string): void {
  if (!ok) throw win32Error(b.jobs.GetLastError() as number, op, what);
}

/** Memory is always written (kill-on-close stays off: containers outlive the daemon); CPU only when one is given. */
export function applyLimits(b: Bindings, h: Pointer, limits: JobLimitsDoc | undefined, op: string, memory = true): void {
  const mem = limits?.JobMemoryLimitInBytes ?? 0;
  if (memory) {
    check(b, b.jobs.SetInformationJobObject(h, JobObjectExtendedLimitInformation, extendedLimitInformation(mem > 0 ? JOB_OBJECT_LIMIT_JOB_MEMORY : 0, mem), 144), op, 'extended limits');
  }
  const rate = limits?.CpuRate;
  const weight = limits?.CpuWeight;
  if (rate || weight) {
    const info = rate
      ? cpuRateControlInformation(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, rate)
      : cpuRateControlInformation(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED, weight!);
    check(b, b.jobs.SetInformationJobObject(h, JobObjectCpuRateControlInformation, info, 8), op, 'CPU rate control');
  }
}
