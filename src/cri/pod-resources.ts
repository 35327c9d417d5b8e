/**
 * The pod-level resources kubelet states in PodSandboxConfig.linux (`resources`: the sum of the containers'
 * limits, `overhead`: the RuntimeClass overhead; KEP 1287/2837). They size a Hyper-V pod's utility VM, as
 * containerd's runhcs-wcow-hypervisor handler does with the io.microsoft.virtualmachine annotations.
 */
import type * as T from './generated/index.js';
import type { PodResources } from '../runtime/model.js';
import { num } from './int64.js';

export function podResourcesFromCri(linux: T.LinuxPodSandboxConfig__Output | null | undefined): PodResources | undefined {
  let memoryBytes = 0;
  let cpus = 0;
  for (const [field, r] of [['resources', linux?.resources], ['overhead', linux?.overhead]] as const) {
    if (!r) continue;
    memoryBytes += num(r.memoryLimitInBytes, `config.linux.${field}.memory_limit_in_bytes`, { min: 0 });
    const quota = num(r.cpuQuota, `config.linux.${field}.cpu_quota`);
    const period = num(r.cpuPeriod, `config.linux.${field}.cpu_period`, { min: 0 });
    if (quota > 0 && period > 0) cpus += quota / period;
  }
  if (memoryBytes <= 0 && cpus <= 0) return undefined;
  return { memoryBytes, cpus };
}
