/** Which utility VM belongs to which pod, read from the pod records (no VM operations here). */
import type { RuntimeState } from '../state.js';

/** The VM hosting a container of this pod (undefined for process isolation). */
export function hostingSystemOf(st: RuntimeState, podId: string): string | undefined {
  const pod = st.sandboxes.get(podId);
  return pod?.isolation === 'hyperv' ? pod.utilityVm?.id : undefined;
}

/** Whether a compute system ID is the VM of a pod this runtime knows (not an orphan). */
export function isPodVm(st: RuntimeState, systemId: string): boolean {
  if (!systemId.endsWith('@vm')) return false;
  return st.sandboxes.get(systemId.slice(0, -3))?.utilityVm?.id === systemId;
}
