/**
 * A hosted container's root in its pod's utility VM (hcs/document/combined-layers.ts): after its layers are VSMB
 * shares (uvm-vsmb.ts) and its scratch is attached and mounted (uvm-scsi.ts), the guest combines them at the
 * scratch's mount; the hosted container is created on that root. Undone before the scratch is detached. The state
 * rides on the scratch's record ('pending' saved before the request, 'done' after), so it goes with the VM's stop
 * and a crash in between is completed by the next claim (an existing combination being no error) or undone by the
 * removal (a missing one being no error).
 */
import type { ComputeSystemDoc } from '../../platform/hcs/schema/index.js';
import { buildCombinedLayersRequest, combinedLayersOf } from '../../platform/hcs/document/index.js';
import { isGone, isIndeterminate, isPlatformError } from '../../platform/hresult.js';
import { failedPrecondition } from '../../errors.js';
import { logger } from '../../util/log.js';
import type { RuntimeState } from '../state.js';
import { modifyVm } from './vm-request.js';

const log = logger('runtime');


/** Asks the guest to combine the layers of `hosted` (a document naming guest paths) on the container's scratch. */
export async function combineContainerLayers(st: RuntimeState, podId: string, containerId: string, hosted: ComputeSystemDoc): Promise<void> {
  const container = hosted.HostedSystem?.Container;
  const pod = st.sandboxes.get(podId);
  const vm = pod?.utilityVm;
  if (!container || !pod || !vm) return;
  await st.locks.run(vm.id, async () => {
    const rec = vm.scsi?.find((r) => r.containerId === containerId);
    if (!vm.created || !rec?.attached) throw failedPrecondition(`container ${containerId}'s scratch is not mounted in utility VM ${vm.id}`);
    if (rec.combine === 'done') return;
    const request = buildCombinedLayersRequest('Add', combinedLayersOf(container));
    rec.combine = 'pending';
    await st.sandboxes.save(pod);
    try {
      await modifyVm(st.opts.platform.compute, vm.id, request, (e) => isPlatformError(e, 'ERROR_ALREADY_EXISTS'));
      rec.combine = 'done';
    } catch (e) {
      // A clear refusal combined nothing; after a timeout or a lost service the guest may have applied it, so the
      // record stays 'pending' and the undo sends Remove (a missing combination being no error there).
      if (isPlatformError(e) && !isIndeterminate(e)) delete rec.combine;
      throw e;
    } finally {
      await st.sandboxes.save(pod);
    }
    log.info('layers combined in the utility VM', { container: containerId, vm: vm.id, root: rec.guestPath });
  });
}

/** RemoveContainer / rollback: the guest drops the combination (a VM or combination already gone is no error). */
export async function uncombineContainerLayers(st: RuntimeState, podId: string, containerId: string): Promise<void> {
  const pod = st.sandboxes.get(podId);
  const vm = pod?.utilityVm;
  if (!pod || !vm?.scsi?.length) return;
  await st.locks.run(vm.id, async () => {
    const rec = vm.scsi?.find((r) => r.containerId === containerId);
    if (!rec?.combine) return;
    try {
      if (vm.created) await modifyVm(st.opts.platform.compute, vm.id, buildCombinedLayersRequest('Remove', { containerRootPath: rec.guestPath, layers: [] }));
    } catch (e) {
      if (!isGone(e) && !isPlatformError(e, 'ERROR_NOT_FOUND') && !isPlatformError(e, 'HCS_E_INVALID_STATE')) throw e;
    }
    delete rec.combine;
    await st.sandboxes.save(pod);
    log.info('combined layers removed from the utility VM', { container: containerId, vm: vm.id, root: rec.guestPath });
  });
}
