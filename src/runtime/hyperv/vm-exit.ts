/**
 * A utility VM that stops without the runtime asking (its worker process crashed, the guest died): noticed when
 * it happens, not at the next StartContainer. The pod's owner of the VM holds a handle to it and waits for its
 * exit (HcsEventSystemExited); an exit the runtime did not ask for marks the pod's running containers exited
 * (reason UtilityVMExited), the pod NOTREADY (kubelet then recreates it), and emits the pod's stopped event.
 * Recovery subscribes again after a restart; a VM that stopped while the daemon was down is handled at once
 * (waitExit of a stopped system resolves immediately; a vanished one is handled the same way).
 */
import { isGone, isPlatformError } from '../../platform/hresult.js';
import type { SystemExitStatusDoc } from '../../platform/hcs/schema/index.js';
import { logger } from '../../util/log.js';
import { errorMessage } from '../../errors.js';
import type { RuntimeState } from '../state.js';
import { markExited } from '../exits.js';
import { removeUtilityVmScratch } from './uvm-scratch.js';
import { forgetShares } from './vsmb-book.js';
import { forgetScsi } from './uvm-scsi.js';
import { VM_EXITED_REASON, watchesOf } from './vm-watches.js';

const log = logger('runtime');

/** Starts waiting for the exit of the pod's VM (a new watch replaces an older one). */
export function watchUtilityVm(st: RuntimeState, podId: string, vmId: string): void {
  const token = Symbol(vmId);
  watchesOf(st).set(vmId, token);
  void (async () => {
    let status: SystemExitStatusDoc | undefined;
    const system = await st.opts.platform.compute.openComputeSystem(vmId).catch((e) => {
      if (!isGone(e)) throw e;
      return undefined; // vanished: it exited
    });
    try {
      status = system ? await system.waitExit() : { Status: 0, ExitType: 'Unknown' };
    } finally {
      system?.close();
    }
    await utilityVmExited(st, podId, vmId, token, status);
  })().catch((e) => {
    // The runtime closing its platform connection ends the watch; recovery starts it again.
    if (isPlatformError(e, 'HCS_E_CONNECTION_CLOSED')) return;
    log.error('watching a utility VM failed; its exit is noticed at the next operation on the pod', { pod: podId, vm: vmId, error: errorMessage(e) });
  });
}

/** Recovery: a VM that stopped or vanished while the runtime was down is handled now, before its containers. */
export async function utilityVmExitedMeanwhile(st: RuntimeState, podId: string, vmId: string, status: SystemExitStatusDoc): Promise<void> {
  const token = Symbol(vmId);
  watchesOf(st).set(vmId, token);
  await utilityVmExited(st, podId, vmId, token, status);
}

async function utilityVmExited(st: RuntimeState, podId: string, vmId: string, token: symbol, status: SystemExitStatusDoc): Promise<void> {
  await st.locks.run(podId, () => st.locks.run(vmId, async () => {
    if (watchesOf(st).get(vmId) !== token) return; // the runtime stopped it, or a newer VM is watched
    const pod = st.sandboxes.get(podId);
    const vm = pod?.utilityVm;
    if (!pod || !vm?.created || vm.id !== vmId) return;
    const why = `utility VM ${vmId} exited unexpectedly (${status.ExitType ?? 'Unknown'}${status.Status ? `, status 0x${(status.Status >>> 0).toString(16)}` : ''})`;
    log.warn('utility VM exited unexpectedly; its containers are exited and the pod is NOTREADY', { pod: podId, vm: vmId, exitType: status.ExitType });
    for (const c of st.containers.list()) {
      if (c.sandboxId === podId && c.state === 'CONTAINER_RUNNING') await markExited(st, c, 255, VM_EXITED_REASON, why);
    }
    await removeUtilityVmScratch(st, vmId);
    vm.created = false;
    delete vm.osVersion;
    delete vm.nics;
    forgetShares(vm);
    forgetScsi(vm);
    if (pod.state === 'SANDBOX_READY') pod.state = 'SANDBOX_NOTREADY';
    await st.sandboxes.save(pod);
    watchesOf(st).delete(vmId);
    st.emit(podId, 'CONTAINER_STOPPED_EVENT', podId);
  }));
}
