/**
 * Pods and containers by state, and per-pod / per-container CPU and memory (what cAdvisor gives on Linux) —
 * collected on scrape with one stats pass shared by all families of the scrape. A container whose stats fail is
 * left out; the scrape never fails.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Runtime } from '../../runtime/runtime.js';
import type { ContainerStatsSample } from '../../runtime/stats.js';

interface Row { namespace: string; pod: string; container: string; cpuSeconds: number; workingSet: number }

export function workloadMetrics(registry: Registry, runtime: () => Runtime | undefined): void {
  const registers = [registry];
  new Gauge({ name: 'wincri_pods', help: 'Pod sandboxes by state', labelNames: ['state'], registers,
    collect() {
      const rt = runtime();
      for (const st of ['SANDBOX_READY', 'SANDBOX_NOTREADY'] as const) this.set({ state: st }, rt ? rt.listPodSandbox({ state: st }).length : 0);
    } });
  new Gauge({ name: 'wincri_containers', help: 'Containers by state', labelNames: ['state'], registers,
    collect() {
      const rt = runtime();
      for (const st of ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'] as const) this.set({ state: st }, rt ? rt.listContainers({ state: st }).length : 0);
    } });

  let pass: Promise<Row[]> | undefined;
  const rows = () => (pass ??= sample(runtime()).finally(() => { pass = undefined; }));
  const labels = ['namespace', 'pod', 'container'] as const;
  const podLabels = ['namespace', 'pod'] as const;
  new Counter({ name: 'wincri_container_cpu_usage_seconds_total', help: 'CPU time used by a running container', labelNames: labels, registers,
    async collect() { this.reset(); for (const r of await rows()) this.inc({ namespace: r.namespace, pod: r.pod, container: r.container }, r.cpuSeconds); } });
  new Gauge({ name: 'wincri_container_memory_working_set_bytes', help: 'Private working set of a running container', labelNames: labels, registers,
    async collect() { this.reset(); for (const r of await rows()) this.set({ namespace: r.namespace, pod: r.pod, container: r.container }, r.workingSet); } });
  new Counter({ name: 'wincri_pod_cpu_usage_seconds_total', help: 'CPU time used by the running containers of a pod', labelNames: podLabels, registers,
    async collect() { this.reset(); for (const r of await rows()) this.inc({ namespace: r.namespace, pod: r.pod }, r.cpuSeconds); } });
  new Gauge({ name: 'wincri_pod_memory_working_set_bytes', help: 'Private working set of the running containers of a pod', labelNames: podLabels, registers,
    async collect() { this.reset(); for (const r of await rows()) this.inc({ namespace: r.namespace, pod: r.pod }, r.workingSet); } });
}

async function sample(rt: Runtime | undefined): Promise<Row[]> {
  if (!rt || !rt.isReady) return [];
  const running = rt.listContainers({ state: 'CONTAINER_RUNNING' });
  const samples = await Promise.all(running.map((c) => rt.containerStats(c).catch(() => undefined)));
  const out: Row[] = [];
  for (const s of samples.filter((x): x is ContainerStatsSample => x !== undefined)) {
    let pod;
    try { pod = rt.getSandbox(s.container.sandboxId).config.metadata; } catch { continue; }
    out.push({
      namespace: pod.namespace, pod: pod.name, container: s.container.config.metadata.name,
      cpuSeconds: Number(s.cpuUsageCoreNs) / 1e9, workingSet: s.memoryWorkingSetBytes,
    });
  }
  return out;
}
