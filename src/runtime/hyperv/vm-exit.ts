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

const log = logger('runtime');

export const VM_EXITED_REASON = 'UtilityVMExited';

/** The current watch of each VM: a stop the runtime asks for ends the watch first, so its exit is expected. */
const watches = new WeakMap<RuntimeState, Map<string, symbol>>();
const watchesOf = (st: RuntimeState) => {
  let m = watches.get(st);
  if (!m) { m = new Map(); watches.set(st, m); }
  return m;
};

/** Whether an exit of the VM now would be unexpected (it is watched and not being stopped by the runtime). */
export const isWatched = (st: RuntimeState, vmId: string): boolean => watchesOf(st).has(vmId);

/** The runtime is about to stop the VM: its exit is expected from now on. */
export function unwatchUtilityVm(st: RuntimeState, vmId: string): void {
  watchesOf(st).delete(vmId);
}

/**
 * Whether a container of this pod that just exited went down with its VM: the VM is watched (the runtime did not
 * stop it), or recovery has not run yet, and it is not running any more. The emulator, like HCS, reports the VM stopped before the exits of the
 * processes that died with it, so the IO keeper's exit report and the VM's exit agree on the reason.
 */
export async function diedWithUtilityVm(st: RuntimeState, podId: string): Promise<string | undefined> {
  const vm = st.sandboxes.get(podId)?.utilityVm;
  // Before recovery no VM is watched yet, but nothing can have stopped one either (the IO keeper's reports of
  // exits that happened while the daemon was down arrive from its start on).
  if (!vm?.created || (st.ready && !isWatched(st, vm.id))) return undefined;
  let state: string | undefined;
  try {
    const system = await st.opts.platform.compute.openComputeSystem(vm.id);
    try { state = (await system.getProperties()).State; } finally { system.close(); }
  } catch (e) {
    if (!isGone(e)) return undefined;
  }
  return state === 'Running' || state === 'Paused' ? undefined : `utility VM ${vm.id} exited unexpectedly (${state ?? 'gone'})`;
}

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
    if (pod.state === 'SANDBOX_READY') pod.state = 'SANDBOX_NOTREADY';
    await st.sandboxes.save(pod);
    watchesOf(st).delete(vmId);
    st.emit(podId, 'CONTAINER_STOPPED_EVENT', podId);
  }));
}
