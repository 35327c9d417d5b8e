/**
 * A hosted container's layers and mounts as VSMB shares of its pod's utility VM (hcs/document/vsmb.ts builds the
 * shares and the guest paths): claimed when the container is created (and again, idempotently, before it starts,
 * in case the VM was booted anew meanwhile), released at RemoveContainer. Each share is recorded on the VM record
 * before it is added and marked added after (a crash in between leaves a record that the next claim adds again,
 * an existing share being no error, and whose removal tolerates a missing share), and removed
 * from the VM when no container uses it any more; the VM's stop takes all of them (uvm.ts forgets the records).
 */
import type { ComputeSystem } from '../../platform/types.js';
import type { ComputeSystemDoc, ContainerDoc } from '../../platform/hcs/schema/index.js';
import { buildVsmbShareRequest, vsmbHostedStorage } from '../../platform/hcs/document/index.js';
import { isGone, isPlatformError } from '../../platform/hresult.js';
import { failedPrecondition, errorMessage } from '../../errors.js';
import { logger } from '../../util/log.js';
import type { VsmbShareRecord } from '../model.js';
import type { RuntimeState } from '../state.js';
import { claimingNamer, recordedNamer, releaseShares } from './vsmb-book.js';

const log = logger('runtime');

/** Shares the folders of a hosted system document's container into the pod's running VM (records them first). */
export async function claimContainerShares(st: RuntimeState, podId: string, containerId: string, doc: ComputeSystemDoc): Promise<void> {
  const container = doc.HostedSystem?.Container;
  if (!container) return;
  const pod = st.sandboxes.get(podId);
  const vm = pod?.utilityVm;
  if (!pod || !vm) throw failedPrecondition(`pod sandbox ${podId} is not Hyper-V isolated`);
  await st.locks.run(vm.id, async () => {
    if (!vm.created) throw failedPrecondition(`the utility VM of pod sandbox ${podId} is not running`);
    vsmbHostedStorage(container, claimingNamer(vm, containerId, []));
    await st.sandboxes.save(pod);
    const pending = (vm.vsmb ?? []).filter((s) => !s.added && s.users.includes(containerId));
    if (!pending.length) return;
    let system: ComputeSystem | undefined;
    try {
      system = await st.opts.platform.compute.openComputeSystem(vm.id);
      for (const s of pending) {
        await system.modify(buildVsmbShareRequest('Add', { Name: s.name, Path: s.path, Options: s.options }))
          .catch((e) => { if (!isPlatformError(e, 'ERROR_ALREADY_EXISTS')) throw e; });
        s.added = true;
      }
      await st.sandboxes.save(pod);
    } catch (e) {
      await removeShares(system, vm.id, releaseShares(vm, containerId));
      await st.sandboxes.save(pod);
      throw e;
    } finally {
      system?.close();
    }
    log.info('folders shared into the utility VM', { container: containerId, vm: vm.id, shares: pending.map((s) => `${s.name}=${s.path}`) });
  });
}

/** RemoveContainer: the container stops using its shares; those no other container uses leave the VM. */
export async function releaseContainerShares(st: RuntimeState, podId: string, containerId: string): Promise<void> {
  const pod = st.sandboxes.get(podId);
  const vm = pod?.utilityVm;
  if (!pod || !vm?.vsmb?.length) return;
  await st.locks.run(vm.id, async () => {
    if (!vm.created || !vm.vsmb?.some((s) => s.users.includes(containerId))) return;
    const freed = releaseShares(vm, containerId);
    let system: ComputeSystem | undefined;
    try {
      system = freed.length ? await st.opts.platform.compute.openComputeSystem(vm.id) : undefined;
      await removeShares(system, vm.id, freed);
    } catch (e) {
      if (!isGone(e)) log.warn('opening the utility VM to remove a container\'s shares failed', { vm: vm.id, error: errorMessage(e) });
    } finally {
      system?.close();
    }
    await st.sandboxes.save(pod);
  });
}

async function removeShares(system: ComputeSystem | undefined, vmId: string, shares: readonly VsmbShareRecord[]): Promise<void> {
  for (const s of shares) {
    await system?.modify(buildVsmbShareRequest('Remove', { Name: s.name })).catch((e) => {
      if (!isGone(e)) log.warn('removing a VSMB share from the utility VM failed', { vm: vmId, share: s.name, error: errorMessage(e) });
    });
  }
}

/** The hosted document with the VSMB guest paths of the recorded shares instead of host paths. */
export function withVsmbPaths(st: RuntimeState, podId: string, doc: ComputeSystemDoc): ComputeSystemDoc {
  const container: ContainerDoc | undefined = doc.HostedSystem?.Container;
  if (!container) return doc;
  const rewritten = vsmbHostedStorage(container, recordedNamer(st.sandboxes.get(podId)?.utilityVm)).container;
  return { ...doc, HostedSystem: { ...doc.HostedSystem, Container: rewritten } };
}
