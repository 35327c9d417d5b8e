/**
 * Runtime statistics → CRI stats messages.
 *
 * ContainerStats has no Windows variant in CRI: its cpu / memory / writable_layer are what kubelet on Windows reads
 * from ListContainerStats. PodSandboxStats carries only `windows` (what kubelet on Windows reads when pod stats come
 * from the runtime, PodAndContainerStatsFromCRI), as containerd on Windows does: clients treat the two parts as
 * exclusive (crictl statsp refuses a pod with both). Pod CPU and memory are the sums of the
 * running containers' (Windows has no pod cgroup). Page faults are not measured by HCS statistics: left unset, not 0.
 * Network: one interface per HNS endpoint of the pod, the first as the default interface (kubelet on Windows
 * dereferences default_interface whenever `network` is set, so `network` is unset when there is no endpoint).
 */
import type * as T from './generated/index.js';
import type { ContainerRecord, SandboxRecord } from '../runtime/model.js';
import type { ContainerStatsSample, PodNetworkSample } from '../runtime/runtime.js';
import { podMetadata } from './convert.js';

const MAX_U = 2n ** 64n - 1n;

export function u64(v: bigint | number): { value: string } {
  let b = typeof v === 'bigint' ? v : BigInt(Math.max(0, Math.round(v)));
  if (b < 0n) b = 0n;
  if (b > MAX_U) b = MAX_U;
  return { value: b.toString() };
}

function containerAttributes(c: ContainerRecord): T.ContainerAttributes {
  return { id: c.id, metadata: c.config.metadata, labels: c.config.labels, annotations: c.config.annotations };
}

function cpuUsage(s: ContainerStatsSample, ts: string): T.CpuUsage & T.WindowsCpuUsage {
  return { timestamp: ts, usageCoreNanoSeconds: u64(s.cpuUsageCoreNs), usageNanoCores: u64(s.cpuUsageNanoCores) };
}

/** Available bytes only under a memory limit (no limit: unset, as a 0 would read as memory pressure). */
function available(s: ContainerStatsSample): { value: string } | null {
  return s.memoryLimitBytes > 0 ? u64(s.memoryAvailableBytes) : null;
}

export function containerStatsToCri(s: ContainerStatsSample): T.ContainerStats {
  const ts = s.timestampNs.toString();
  const c = s.container;
  return {
    attributes: containerAttributes(c),
    cpu: cpuUsage(s, ts),
    memory: { timestamp: ts, workingSetBytes: u64(s.memoryWorkingSetBytes), usageBytes: u64(s.memoryCommitBytes), availableBytes: available(s) },
    writableLayer: {
      timestamp: ts, fsId: { mountpoint: c.scratchPath }, usedBytes: u64(s.writableLayerUsedBytes), inodesUsed: u64(s.writableLayerInodes),
    },
  };
}

export function windowsContainerStatsToCri(s: ContainerStatsSample): T.WindowsContainerStats {
  const ts = s.timestampNs.toString();
  const c = s.container;
  return {
    attributes: containerAttributes(c),
    cpu: cpuUsage(s, ts),
    memory: {
      timestamp: ts, workingSetBytes: u64(s.memoryWorkingSetBytes), commitMemoryBytes: u64(s.memoryCommitBytes),
      availableBytes: available(s), pageFaults: null,
    },
    writableLayer: { timestamp: ts, fsId: { mountpoint: c.scratchPath }, usedBytes: u64(s.writableLayerUsedBytes) },
  };
}

export function windowsNetworkToCri(n: PodNetworkSample | undefined): T.WindowsNetworkUsage | null {
  if (!n || n.interfaces.length === 0) return null;
  const ifaces = n.interfaces.map((i): T.WindowsNetworkInterfaceUsage => ({
    name: i.endpointId, rxBytes: u64(i.rxBytes), rxPacketsDropped: u64(i.rxDropped), txBytes: u64(i.txBytes), txPacketsDropped: u64(i.txDropped),
  }));
  return { timestamp: n.timestampNs.toString(), defaultInterface: ifaces[0]!, interfaces: ifaces };
}

export function podSandboxStatsToCri(s: SandboxRecord, samples: ContainerStatsSample[], network: PodNetworkSample | undefined, ts: bigint): T.PodSandboxStats {
  const sum = (f: (x: ContainerStatsSample) => bigint | number) => samples.reduce((a, x) => a + BigInt(f(x)), 0n);
  const t = ts.toString();
  const limited = samples.filter((x) => x.memoryLimitBytes > 0);
  const availableBytes = limited.length ? u64(limited.reduce((a, x) => a + x.memoryAvailableBytes, 0)) : null;
  const cpu = { timestamp: t, usageCoreNanoSeconds: u64(sum((x) => x.cpuUsageCoreNs)), usageNanoCores: u64(sum((x) => x.cpuUsageNanoCores)) };
  const workingSetBytes = u64(sum((x) => x.memoryWorkingSetBytes));
  const commit = u64(sum((x) => x.memoryCommitBytes));
  const process = { timestamp: t, processCount: u64(sum((x) => x.processCount)) };
  return {
    attributes: { id: s.id, metadata: podMetadata(s), labels: s.config.labels, annotations: s.config.annotations },
    windows: {
      cpu,
      memory: { timestamp: t, workingSetBytes, commitMemoryBytes: commit, availableBytes, pageFaults: null },
      network: windowsNetworkToCri(network),
      process,
      containers: samples.map(windowsContainerStatsToCri),
    },
    linux: null,
  };
}
