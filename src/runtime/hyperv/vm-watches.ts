/**
 * Which utility VMs the runtime watches (vm-exit.ts) and whether a container's exit came with its VM's: kept apart
 * from vm-exit.ts so that runtime/exits.ts can ask without importing what marks containers exited.
 */
import { isGone } from '../../platform/hresult.js';
import type { RuntimeState } from '../state.js';

export const VM_EXITED_REASON = 'UtilityVMExited';

/** The current watch of each VM: a stop the runtime asks for ends the watch first, so its exit is expected. */
const watches = new WeakMap<RuntimeState, Map<string, symbol>>();
export const watchesOf = (st: RuntimeState) => {
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
