/** Live resource updates for a running container (hcsshim task_hcs.go updateWCOWResources). */
import type { SpecWindowsResources } from '../../spec.js';
import type { ModifySettingRequestDoc } from '../schema/index.js';
import { memorySizeInMB, processorSettings } from './container.js';

export const SILO_MEMORY_RESOURCE_PATH = 'Container/Memory/SizeInMB';
export const SILO_PROCESSOR_RESOURCE_PATH = 'Container/Processor';

/**
 * Memory: Update Container/Memory/SizeInMB with a bare number, the whole MiB rounded up to an even number
 * (hcsshim NormalizeMemorySize aligns to 2 MB). CPU: Update Container/Processor with exactly one of
 * Count / Maximum / Weight (count > maximum > shares). Affinity has no HCS field and yields no request.
 */
export function buildResourceUpdateRequests(
  resources: SpecWindowsResources, opts: { hostProcessorCount?: number } = {},
): ModifySettingRequestDoc[] {
  const out: ModifySettingRequestDoc[] = [];
  const mb = memorySizeInMB(resources.memory?.limit);
  if (mb > 0) {
    out.push({ ResourcePath: SILO_MEMORY_RESOURCE_PATH, RequestType: 'Update', Settings: mb + (mb % 2) });
  }
  const processor = processorSettings(resources, opts.hostProcessorCount);
  if (processor) out.push({ ResourcePath: SILO_PROCESSOR_RESOURCE_PATH, RequestType: 'Update', Settings: processor });
  return out;
}
