/** One modify request to a pod's utility VM: the system is opened for it and closed after; `tolerated` failures count as done. */
import type { ComputeService } from '../../platform/types.js';
import type { ModifySettingRequestDoc } from '../../platform/hcs/schema/index.js';

export async function modifyVm(compute: ComputeService, vmId: string, request: ModifySettingRequestDoc, tolerated: (e: unknown) => boolean = () => false): Promise<void> {
  const system = await compute.openComputeSystem(vmId);
  try {
    await system.modify(request);
  } catch (e) {
    if (!tolerated(e)) throw e;
  } finally {
    system.close();
  }
}
