/**
 * Whether the kernel OOM-killed a process of a container's compute system (the emulator counts OOM kills in the
 * system's memory cgroup and reports them as OomKillCount with the Statistics query; HCS never does, so on
 * Windows this is always false). kubelet shows the reason `OOMKilled`, as containerd reports it after an OOM event.
 */
import type { ComputeService, ComputeSystem } from '../platform/types.js';

/** `open`: a handle to the system the caller holds (used, not closed); otherwise one is opened for the query. */
export async function oomKilled(compute: ComputeService, id: string, open?: ComputeSystem): Promise<boolean> {
  const system = open ?? await compute.openComputeSystem(id).catch(() => undefined);
  if (!system) return false;
  try {
    const props = await system.getProperties({ PropertyTypes: ['Statistics'] });
    return (props.OomKillCount ?? 0) > 0;
  } catch {
    return false; // gone or not answering: the exit is reported as it is
  } finally {
    if (!open) system.close();
  }
}
