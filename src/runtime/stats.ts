/** Container statistics from HCS properties (CPU, memory, processes) and writable-layer usage. */
import { isGone } from '../platform/hresult.js';
import { parseStatistics } from '../platform/hcs/document/index.js';
import { type ContainerRecord, nowNs } from './model.js';
import type { RuntimeState } from './state.js';
import { backendOf } from './backend.js';

export interface ContainerStatsSample {
  container: ContainerRecord;
  timestampNs: bigint;
  cpuUsageCoreNs: bigint;
  cpuUsageNanoCores: bigint;
  memoryWorkingSetBytes: number;
  memoryCommitBytes: number;
  /** The container's memory limit (0: none); available = limit − commit, as a job object limits commit. */
  memoryLimitBytes: number;
  memoryAvailableBytes: number;
  writableLayerUsedBytes: number;
  writableLayerInodes: number;
  processCount: number;
}

const noUsage = () => ({ usedBytes: 0, inodesUsed: 0 });

export async function containerStats(st: RuntimeState, c: ContainerRecord): Promise<ContainerStatsSample> {
  const ts = BigInt(nowNs());
  const sample: ContainerStatsSample = {
    container: c, timestampNs: ts, cpuUsageCoreNs: 0n, cpuUsageNanoCores: 0n, memoryWorkingSetBytes: 0,
    memoryCommitBytes: 0, memoryLimitBytes: 0, memoryAvailableBytes: 0, writableLayerUsedBytes: 0, writableLayerInodes: 0, processCount: 0,
  };
  const { storage } = st.opts.platform;
  const stored = st.containers.get(c.id);
  if (c.state === 'CONTAINER_RUNNING' && stored) {
    const system = await backendOf(st, stored).openComputeSystem(c.id).catch((e) => { if (isGone(e)) return undefined; throw e; });
    if (system) {
      try {
        const props = await system.getProperties({ PropertyTypes: ['Statistics', 'ProcessList'] });
        const s = parseStatistics(props, ts);
        const cpuNs = s?.cpuTotalNs ?? 0n;
        sample.cpuUsageCoreNs = cpuNs;
        sample.memoryWorkingSetBytes = s?.memoryPrivateWorkingSetBytes ?? 0;
        sample.memoryCommitBytes = s?.memoryCommitBytes ?? 0;
        sample.processCount = props.ProcessList?.length ?? 0;
        const prev = st.lastCpu.get(c.id);
        if (prev && ts > prev.ts && cpuNs >= prev.cpu) sample.cpuUsageNanoCores = ((cpuNs - prev.cpu) * 1_000_000_000n) / (ts - prev.ts);
        st.lastCpu.set(c.id, { ts, cpu: cpuNs });
      } catch (e) {
        if (!isGone(e)) throw e;
      } finally {
        system.close();
      }
    }
  }
  const limit = c.resources?.memoryLimitInBytes ?? 0;
  sample.memoryLimitBytes = Math.max(0, limit);
  if (limit > 0) sample.memoryAvailableBytes = Math.max(0, limit - sample.memoryCommitBytes);
  const usage = await storage.layerUsage(c.scratchPath).catch(noUsage);
  sample.writableLayerUsedBytes = usage.usedBytes;
  sample.writableLayerInodes = usage.inodesUsed;
  return sample;
}

/** Container filesystem usage: the writable layers. */
export async function containerFsInfo(st: RuntimeState): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number; timestampNs: bigint }> {
  let usedBytes = 0;
  let inodesUsed = 0;
  for (const c of st.containers.list()) {
    const u = await st.opts.platform.storage.layerUsage(c.scratchPath).catch(noUsage);
    usedBytes += u.usedBytes;
    inodesUsed += u.inodesUsed;
  }
  return { mountpoint: st.opts.scratchDir, usedBytes, inodesUsed, timestampNs: BigInt(nowNs()) };
}
