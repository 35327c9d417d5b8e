/**
 * The first step of StopPodSandbox: the pod is SANDBOX_NOTREADY on disk before any of it is torn down. A stop cut
 * short (the daemon killed, a platform call failing after the pod's endpoint or namespace went) then never leaves a
 * pod reported ready without its network, neither right after the failed RPC nor after a restart; the stop the
 * kubelet retries finishes the job (pods.ts stopPodSandbox: each step is skipped once done). As the kubelet calls
 * StopPodSandbox only for a pod it is killing, a pod is not ready from the request on, even when one of its
 * containers then fails to stop; and no container of it starts any more (containers.ts startContainer).
 */
import type { RuntimeState } from './state.js';

/** Marks pod `id` SANDBOX_NOTREADY (written crash-safely, then its stopped event); nothing when it already is. */
export async function markPodNotReady(st: RuntimeState, id: string): Promise<void> {
  const s = st.sandboxes.get(id);
  if (!s || s.state === 'SANDBOX_NOTREADY') return;
  s.state = 'SANDBOX_NOTREADY';
  try {
    await st.sandboxes.save(s);
  } catch (e) {
    s.state = 'SANDBOX_READY'; // not on disk: the teardown must not start, nor a concurrent stop's skip this write
    throw e;
  }
  st.emit(id, 'CONTAINER_STOPPED_EVENT', id);
}
