/**
 * A hosted container's scratch (its writable layer's VHDX) attached to its pod's utility VM over SCSI and mounted
 * in the guest (hcs/document/scsi.ts), the VM's worker process granted access to the VHDX first (HcsGrantVmAccess, as
 * hcsshim's SCSI manager does for a disk it attaches with a VM ID): attached when the container is created (and again, idempotently, before it
 * starts, in case the VM was booted anew), detached at RemoveContainer; the VM's stop takes them all (uvm.ts and
 * vm-exit.ts forget the records). The record (LUN, guest path) is saved before the attach and marked attached
 * after: a crash in between leaves a record the next attach completes (an attached LUN being no error) and whose
 * detach tolerates a missing disk.
 */
import { join } from 'node:path';
import type { ComputeSystemDoc } from '../../platform/hcs/schema/index.js';
import {
  buildScsiScratchRequest, scsiGuestMountPath, scsiHostedStorage, SCSI_FIRST_CONTAINER_LUN, SCSI_LUNS_PER_CONTROLLER,
} from '../../platform/hcs/document/index.js';
import { isGone, isPlatformError } from '../../platform/hresult.js';
import { failedPrecondition, resourceExhausted } from '../../errors.js';
import { logger } from '../../util/log.js';
import type { UtilityVmRecord } from '../model.js';
import type { RuntimeState } from '../state.js';
import { modifyVm } from './vm-request.js';

const log = logger('runtime');

function freeLun(vm: UtilityVmRecord): number {
  for (let lun = SCSI_FIRST_CONTAINER_LUN; lun < SCSI_LUNS_PER_CONTROLLER; lun++) {
    if (!vm.scsi?.some((r) => r.lun === lun)) return lun;
  }
  throw resourceExhausted(`utility VM ${vm.id} has no free SCSI LUN for another container's scratch`);
}

/** Attaches the container's scratch (the writable layer at `scratchPath`) to the pod's running VM. */
export async function attachContainerScratch(st: RuntimeState, podId: string, containerId: string, scratchPath: string): Promise<void> {
  const pod = st.sandboxes.get(podId);
  const vm = pod?.utilityVm;
  if (!pod || !vm) throw failedPrecondition(`pod sandbox ${podId} is not Hyper-V isolated`);
  await st.locks.run(vm.id, async () => {
    if (!vm.created) throw failedPrecondition(`the utility VM of pod sandbox ${podId} is not running`);
    let rec = vm.scsi?.find((r) => r.containerId === containerId);
    if (rec?.attached) return;
    if (!rec) {
      vm.scsiNext ??= 0;
      rec = { containerId, lun: freeLun(vm), guestPath: scsiGuestMountPath(vm.scsiNext++), vhdxPath: join(scratchPath, 'sandbox.vhdx') };
      (vm.scsi ??= []).push(rec);
      await st.sandboxes.save(pod);
    }
    try {
      await st.opts.platform.compute.grantVmAccess(vm.id, rec.vhdxPath);
      await modifyVm(st.opts.platform.compute, vm.id, buildScsiScratchRequest('Add', rec), (e) => isPlatformError(e, 'ERROR_ALREADY_EXISTS'));
      rec.attached = true;
    } catch (e) {
      vm.scsi = (vm.scsi ?? []).filter((r) => r !== rec);
      throw e;
    } finally {
      await st.sandboxes.save(pod);
    }
    log.info('scratch attached to the utility VM', { container: containerId, vm: vm.id, lun: rec.lun, guestPath: rec.guestPath });
  });
}

/** RemoveContainer: the container's scratch leaves the VM (a VM or disk already gone is no error). */
export async function detachContainerScratch(st: RuntimeState, podId: string, containerId: string): Promise<void> {
  const pod = st.sandboxes.get(podId);
  const vm = pod?.utilityVm;
  if (!pod || !vm?.scsi?.length) return;
  await st.locks.run(vm.id, async () => {
    const rec = vm.scsi?.find((r) => r.containerId === containerId);
    if (!rec) return;
    try {
      if (vm.created) await modifyVm(st.opts.platform.compute, vm.id, buildScsiScratchRequest('Remove', rec), (e) => isGone(e) || isPlatformError(e, 'ERROR_NOT_FOUND'));
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    vm.scsi = (vm.scsi ?? []).filter((r) => r !== rec);
    await st.sandboxes.save(pod);
    log.info('scratch detached from the utility VM', { container: containerId, vm: vm.id, lun: rec.lun });
  });
}

/** The hosted document with Storage.Path at the guest mount of the container's recorded scratch disk. */
export function withScsiScratch(st: RuntimeState, podId: string, containerId: string, doc: ComputeSystemDoc): ComputeSystemDoc {
  const container = doc.HostedSystem?.Container;
  if (!container) return doc;
  const vm = st.sandboxes.get(podId)?.utilityVm;
  const rec = vm?.scsi?.find((r) => r.containerId === containerId);
  if (!rec) throw failedPrecondition(`utility VM ${vm?.id ?? '(none)'} has no scratch disk recorded for container ${containerId}: it was restarted since the container was created; recreate the container`);
  return { ...doc, HostedSystem: { ...doc.HostedSystem, Container: scsiHostedStorage(container, rec.guestPath) } };
}

/** Forgets every attachment (the VM stopped: the disks went with it). */
export function forgetScsi(vm: UtilityVmRecord): void {
  delete vm.scsi;
  delete vm.scsiNext;
}
