import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';

/** cAdvisor-named metrics computed from the same statistics as ContainerStats. */
const DESCRIPTORS: { name: string; help: string; labelKeys: string[]; type: 'COUNTER' | 'GAUGE' }[] = [
  { name: 'container_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed in seconds.', labelKeys: ['id', 'name', 'image'], type: 'COUNTER' },
  { name: 'container_memory_working_set_bytes', help: 'Current working set in bytes.', labelKeys: ['id', 'name', 'image'], type: 'GAUGE' },
  { name: 'container_memory_usage_bytes', help: 'Current memory usage (commit) in bytes.', labelKeys: ['id', 'name', 'image'], type: 'GAUGE' },
  { name: 'container_spec_memory_limit_bytes', help: 'Memory limit for the container.', labelKeys: ['id', 'name', 'image'], type: 'GAUGE' },
  { name: 'container_fs_usage_bytes', help: 'Number of bytes consumed by the container writable layer.', labelKeys: ['id', 'name', 'image'], type: 'GAUGE' },
  { name: 'container_processes', help: 'Number of processes running inside the container.', labelKeys: ['id', 'name', 'image'], type: 'GAUGE' },
];

export async function listMetricDescriptors(_req: T.ListMetricDescriptorsRequest__Output): Promise<T.ListMetricDescriptorsResponse> {
  return { descriptors: DESCRIPTORS.map((d) => ({ name: d.name, help: d.help, labelKeys: d.labelKeys })) };
}

export async function listPodSandboxMetrics(_req: T.ListPodSandboxMetricsRequest__Output, ctx: CriContext): Promise<T.ListPodSandboxMetricsResponse> {
  const podMetrics: T.PodSandboxMetrics[] = [];
  for (const s of ctx.runtime.listPodSandbox({ state: 'SANDBOX_READY' })) {
    const containerMetrics: T.ContainerMetrics[] = [];
    for (const c of ctx.runtime.containersOf(s.id).filter((x) => x.state === 'CONTAINER_RUNNING')) {
      const st = await ctx.runtime.containerStats(c);
      const labels = [c.id, c.config.metadata.name, c.imageName];
      const ts = st.timestampNs.toString();
      const values: Record<string, number> = {
        container_cpu_usage_seconds_total: Number(st.cpuUsageCoreNs) / 1e9,
        container_memory_working_set_bytes: st.memoryWorkingSetBytes,
        container_memory_usage_bytes: st.memoryCommitBytes,
        container_spec_memory_limit_bytes: c.resources?.memoryLimitInBytes ?? 0,
        container_fs_usage_bytes: st.writableLayerUsedBytes,
        container_processes: st.processCount,
      };
      containerMetrics.push({
        containerId: c.id,
        metrics: DESCRIPTORS.map((d) => ({
          name: d.name, timestamp: ts, metricType: d.type, labelValues: labels,
          value: { value: String(Math.max(0, Math.round(values[d.name]!))) },
        })),
      });
    }
    podMetrics.push({ podSandboxId: s.id, metrics: [], containerMetrics });
  }
  return { podMetrics };
}
