/**
 * A Hyper-V pod's own numbers: its utility VM's statistics cover everything the pod uses (the containers inside
 * it and the VM's own operating system), so they are the pod-level CPU and memory (as containerd reports the
 * sandbox task of a Hyper-V pod).
 */
import { isGone } from '../../platform/hresult.js';
import { parseStatistics } from '../../platform/hcs/document/index.js';
import { nowNs } from '../model.js';
import type { RuntimeState } from '../state.js';

export interface UtilityVmStats {
  timestampNs: bigint;
  cpuUsageCoreNs: bigint;
  cpuUsageNanoCores: bigint;
  memoryWorkingSetBytes: number;
  memoryCommitBytes: number;
}

/** Undefined for process-isolated pods and while the VM does not run. */
export async function utilityVmStats(st: RuntimeState, podId: string): Promise<UtilityVmStats | undefined> {
  const vm = st.sandboxes.get(podId)?.utilityVm;
  if (!vm?.created) return undefined;
  const system = await st.opts.platform.compute.openComputeSystem(vm.id).catch((e) => { if (isGone(e)) return undefined; throw e; });
  if (!system) return undefined;
  try {
    const ts = BigInt(nowNs());
    const s = parseStatistics(await system.getProperties({ PropertyTypes: ['Statistics'] }), ts);
    if (!s) return undefined;
    const cpu = s.cpuTotalNs;
    const prev = st.lastCpu.get(vm.id);
    const nano = prev && ts > prev.ts && cpu >= prev.cpu ? ((cpu - prev.cpu) * 1_000_000_000n) / (ts - prev.ts) : 0n;
    st.lastCpu.set(vm.id, { ts, cpu });
    return { timestampNs: ts, cpuUsageCoreNs: cpu, cpuUsageNanoCores: nano, memoryWorkingSetBytes: s.memoryPrivateWorkingSetBytes, memoryCommitBytes: s.memoryCommitBytes };
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  } finally {
    system.close();
  }
}
