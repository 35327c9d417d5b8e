/**
 * gMSA in a Hyper-V pod (hcsshim internal/uvm/hvsocket.go): the HvSocket service a credential guard instance with
 * Transport HvSocket comes with is opened in the pod's utility VM (an Update of its HvSocket service table, through
 * the VM's compute-system modify) before the hosted container starts, and closed again when the container's
 * instance is removed. The entries leave with the VM, so closing one of a VM that is gone or stopped is no error.
 */
import type { ComputeService, ComputeSystem } from '../../platform/types.js';
import type { ContainerCredentialGuardHvSocketServiceConfigDoc } from '../../platform/hcs/schema/index.js';
import { buildHvSocketServiceRequest, buildHvSocketServiceRemoveRequest } from '../../platform/hcs/document/index.js';
import { isEnded } from '../../platform/hresult.js';
import { logger } from '../../util/log.js';

const log = logger('runtime');

/** Opens (or opens again: an Update is idempotent) the instance's HvSocket service in VM `vmId`. */
export async function openHvSocketService(compute: ComputeService, vmId: string, config: ContainerCredentialGuardHvSocketServiceConfigDoc): Promise<void> {
  const request = buildHvSocketServiceRequest(config);
  let vm: ComputeSystem | undefined;
  try {
    vm = await compute.openComputeSystem(vmId);
    await vm.modify(request);
  } finally {
    vm?.close();
  }
  log.info('credential guard HvSocket service opened in the utility VM', { vm: vmId, service: config.ServiceId ?? '' });
}

/** Closes service `serviceId` in VM `vmId`; a VM that is gone or not running has none any more. */
export async function closeHvSocketService(compute: ComputeService, vmId: string, serviceId: string): Promise<void> {
  const request = buildHvSocketServiceRemoveRequest(serviceId);
  let vm: ComputeSystem | undefined;
  try {
    vm = await compute.openComputeSystem(vmId);
    await vm.modify(request);
    log.info('credential guard HvSocket service closed in the utility VM', { vm: vmId, service: serviceId });
  } catch (e) {
    if (!isEnded(e)) throw e;
  } finally {
    vm?.close();
  }
}
