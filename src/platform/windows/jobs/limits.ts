/**
 * Job object limits: set at creation from the document, and changed live by the same modify requests the runtime
 * sends a compute system for UpdateContainerResources (Container/Memory/SizeInMB, Container/Processor with one of
 * Count / Maximum / Weight), converted as the document builder converts a spec (platform/jobs/document/limits.ts).
 * hcsshim's job containers refuse modify; a job object takes new limits while it runs, so wincri applies them.
 */
import { cpus } from 'node:os';
import type { ModifySettingRequestDoc } from '../../hcs/schema/index.js';
import type { JobLimitsDoc } from '../../jobs/schema.js';
import { jobLimits } from '../../jobs/document/index.js';
import { SILO_MEMORY_RESOURCE_PATH, SILO_PROCESSOR_RESOURCE_PATH } from '../../hcs/document/index.js';
import { PlatformError, HRESULT } from '../../hresult.js';
import {
  type Bindings, type Pointer, win32Error, extendedLimitInformation, cpuRateControlInformation,
  JobObjectExtendedLimitInformation, JobObjectCpuRateControlInformation, JOB_OBJECT_LIMIT_JOB_MEMORY,
  JOB_OBJECT_CPU_RATE_CONTROL_ENABLE, JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED,
} from '../ffi/index.js';

const MODIFY_OP = 'ModifyJobContainer';

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

/** The limits one modify request changes (only the fields it names). */
export function limitsOfRequest(r: ModifySettingRequestDoc, hostProcessorCount = cpus().length): { limits: JobLimitsDoc; memory: boolean } {
  if (r.RequestType !== undefined && r.RequestType !== 'Update') {
    throw new PlatformError(HRESULT.E_INVALIDARG, MODIFY_OP, `job containers take Update requests only, not ${r.RequestType}`);
  }
  if (r.ResourcePath === SILO_MEMORY_RESOURCE_PATH) {
    const mb = Number(r.Settings);
    if (!Number.isFinite(mb) || mb <= 0) throw new PlatformError(HRESULT.E_INVALIDARG, MODIFY_OP, `${SILO_MEMORY_RESOURCE_PATH} must be a positive number of MB`);
    return { limits: { JobMemoryLimitInBytes: Math.floor(mb) * 1024 * 1024 }, memory: true };
  }
  if (r.ResourcePath === SILO_PROCESSOR_RESOURCE_PATH) {
    const s = (r.Settings ?? {}) as { Count?: number; Maximum?: number; Weight?: number };
    const limits = jobLimits({ cpu: { count: s.Count, maximum: s.Maximum, shares: s.Weight } }, hostProcessorCount);
    if (!limits?.CpuRate && !limits?.CpuWeight) throw new PlatformError(HRESULT.E_INVALIDARG, MODIFY_OP, `${SILO_PROCESSOR_RESOURCE_PATH} needs one of Count, Maximum or Weight`);
    return { limits, memory: false };
  }
  throw new PlatformError(HRESULT.E_INVALIDARG, MODIFY_OP,
    `job containers take ${SILO_MEMORY_RESOURCE_PATH} and ${SILO_PROCESSOR_RESOURCE_PATH} updates; ${r.ResourcePath ?? '(no ResourcePath)'} does not apply to them`);
}

export { MODIFY_OP };
