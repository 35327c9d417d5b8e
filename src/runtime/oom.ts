/**
 * Whether the kernel OOM-killed a process of a container's compute system (platform/oom-count.ts). kubelet shows the
 * reason `OOMKilled`, as containerd reports it after an OOM event. The IO keeper reads it at the init's exit and
 * reports it with the exit (ExitReport.oomKilled): a system the keeper shut down is gone once its last handle closes,
 * so after a keeper restart this query finds nothing.
 */
import type { ComputeService, ComputeSystem } from '../platform/types.js';
import { oomKilledIn } from '../platform/oom-count.js';

/** `open`: a handle to the system the caller holds (used, not closed); otherwise one is opened for the query. */
export async function oomKilled(compute: ComputeService, id: string, open?: ComputeSystem): Promise<boolean> {
  const system = open ?? await compute.openComputeSystem(id).catch(() => undefined);
  if (!system) return false;
  try {
    return await oomKilledIn(system);
  } finally {
    if (!open) system.close();
  }
}
