/**
 * Client side of the emulator's job containers (HostProcess; service/jobs.ts): create, open and list go to their
 * own service methods, the handles are the compute systems' (same start/stop/process/statistics calls).
 */
import type { ComputeSystem, JobContainerService } from '../types.js';
import type { PropertiesDoc, SystemQueryDoc } from '../hcs/schema/index.js';
import type { JobContainerDoc } from '../jobs/schema.js';
import type { EmulatorClient } from './client.js';

export type { JobDescription } from './service/jobs.js';

export class EmuJobs implements JobContainerService {
  /** Each container's mount point is its own directory: the bind-filter behaviour (`C:\hpc\` everywhere). */
  readonly fileBinding = true;
  constructor(private readonly c: EmulatorClient, private readonly adopt: (id: string) => ComputeSystem) {}
  async createComputeSystem(id: string, document: JobContainerDoc): Promise<ComputeSystem> {
    await this.c.request('createJob', { id, document: JSON.stringify(document) });
    return this.adopt(id);
  }
  async openComputeSystem(id: string): Promise<ComputeSystem> {
    await this.c.request('openJob', { id });
    return this.adopt(id);
  }
  enumerateComputeSystems(query?: SystemQueryDoc): Promise<PropertiesDoc[]> {
    return this.c.request('enumerateJobs', { query: query === undefined ? undefined : JSON.stringify(query) });
  }
}
