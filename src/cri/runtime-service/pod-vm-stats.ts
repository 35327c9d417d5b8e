/** A Hyper-V pod's CPU and memory are its utility VM's (runtime/hyperv/stats.ts), not only its containers' sum. */
import type * as T from '../generated/index.js';
import type { UtilityVmStats } from '../../runtime/hyperv/stats.js';

export function withUtilityVmTotals(out: T.PodSandboxStats, vm: UtilityVmStats | undefined): T.PodSandboxStats {
  const w = out.windows;
  if (!vm || !w) return out;
  const t = vm.timestampNs.toString();
  w.cpu = { timestamp: t, usageCoreNanoSeconds: { value: vm.cpuUsageCoreNs.toString() }, usageNanoCores: { value: vm.cpuUsageNanoCores.toString() } };
  w.memory = { ...(w.memory ?? {}), timestamp: t, workingSetBytes: { value: String(vm.memoryWorkingSetBytes) }, commitMemoryBytes: { value: String(vm.memoryCommitBytes) } };
  return out;
}
