/**
 * Live job limits: the modify requests the runtime sends a compute system for UpdateContainerResources
 * (Container/Memory/SizeInMB, Container/Processor with one of Count / Maximum / Weight) read as job object limits,
 * converted as a spec's resources are (./limits.ts). Both job backends (Windows job objects, the emulator's
 * cgroups) validate with these, so a request one refuses the other refuses the same way.
 */
import type { ModifySettingRequestDoc } from '../../hcs/schema/index.js';
import type { JobLimitsDoc } from '../schema.js';
import { SILO_MEMORY_RESOURCE_PATH, SILO_PROCESSOR_RESOURCE_PATH } from '../../hcs/document/index.js';
import { PlatformError, HRESULT } from '../../hresult.js';
import { jobLimits } from './limits.js';

export const JOB_MODIFY_OP = 'ModifyJobContainer';

/** The limits one modify request changes (only the fields it names); `memory` tells which half it is. */
export function limitsOfRequest(r: ModifySettingRequestDoc, hostProcessorCount: number): { limits: JobLimitsDoc; memory: boolean } {
  if (r.RequestType !== undefined && r.RequestType !== 'Update') {
    throw new PlatformError(HRESULT.E_INVALIDARG, JOB_MODIFY_OP, `job containers take Update requests only, not ${r.RequestType}`);
  }
  if (r.ResourcePath === SILO_MEMORY_RESOURCE_PATH) {
    const mb = Number(r.Settings);
    if (!Number.isFinite(mb) || mb <= 0) throw new PlatformError(HRESULT.E_INVALIDARG, JOB_MODIFY_OP, `${SILO_MEMORY_RESOURCE_PATH} must be a positive number of MB`);
    return { limits: { JobMemoryLimitInBytes: Math.floor(mb) * 1024 * 1024 }, memory: true };
  }
  if (r.ResourcePath === SILO_PROCESSOR_RESOURCE_PATH) {
    const s = (r.Settings ?? {}) as { Count?: number; Maximum?: number; Weight?: number };
    const limits = jobLimits({ cpu: { count: s.Count, maximum: s.Maximum, shares: s.Weight } }, hostProcessorCount);
    if (!limits?.CpuRate && !limits?.CpuWeight) throw new PlatformError(HRESULT.E_INVALIDARG, JOB_MODIFY_OP, `${SILO_PROCESSOR_RESOURCE_PATH} needs one of Count, Maximum or Weight`);
    return { limits, memory: false };
  }
  throw new PlatformError(HRESULT.E_INVALIDARG, JOB_MODIFY_OP,
    `job containers take ${SILO_MEMORY_RESOURCE_PATH} and ${SILO_PROCESSOR_RESOURCE_PATH} updates; ${r.ResourcePath ?? '(no ResourcePath)'} does not apply to them`);
}

/** The job's limits after a request: memory replaces the memory limit, a CPU request replaces the one CPU control. */
export function mergeLimits(cur: JobLimitsDoc | undefined, change: { limits: JobLimitsDoc; memory: boolean }): JobLimitsDoc {
  const out = { ...cur };
  if (change.memory) out.JobMemoryLimitInBytes = change.limits.JobMemoryLimitInBytes;
  else { delete out.CpuRate; delete out.CpuWeight; Object.assign(out, change.limits); }
  return out;
}
