/** PLACEHOLDER — replaced below. */
import type { ComputeSystem, JobContainerService } from '../types.js';
import type { PropertiesDoc } from '../hcs/schema/index.js';
import type { Bindings } from './ffi/index.js';
import { PlatformError, HRESULT } from '../hresult.js';
export class WinJobs implements JobContainerService {
  readonly fileBinding = false;
  constructor(readonly b: Bindings) {}
  async createComputeSystem(): Promise<ComputeSystem> { throw new PlatformError(HRESULT.E_NOTIMPL, 'CreateJobContainer'); }
  async openComputeSystem(): Promise<ComputeSystem> { throw new PlatformError(HRESULT.E_NOTIMPL, 'OpenJobContainer'); }
  async enumerateComputeSystems(): Promise<PropertiesDoc[]> { return []; }
}
