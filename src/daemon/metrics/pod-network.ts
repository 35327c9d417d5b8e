/**
 * Per-pod network traffic from the pod's HNS endpoint counters (what cAdvisor's container_network_* give on
 * Linux), labelled by pod and interface (the endpoint GUID, as CRI pod stats name it). Collected on scrape with
 * one pass shared by the families of the scrape; a pod whose counters cannot be read is left out.
 */
import { Counter, type Registry } from 'prom-client';
import type { Runtime } from '../../runtime/runtime.js';

interface Row { namespace: string; pod: string; iface: string; rx: number; tx: number; rxDropped: number; txDropped: number }

export function podNetworkMetrics(registry: Registry, runtime: () => Runtime | undefined): void {
  const registers = [registry];
  let pass: Promise<Row[]> | undefined;
  const rows = () => (pass ??= sample(runtime()).finally(() => { pass = undefined; }));
  const labelNames = ['namespace', 'pod', 'interface'] as const;
  const family = (name: string, help: string, value: (r: Row) => number) => new Counter({
    name, help, labelNames, registers,
    async collect() {
      this.reset();
      for (const r of await rows()) this.inc({ namespace: r.namespace, pod: r.pod, interface: r.iface }, value(r));
    },
  });
  family('wincri_pod_network_receive_bytes_total', 'Bytes received by a pod on its HNS endpoint', (r) => r.rx);
  family('wincri_pod_network_transmit_bytes_total', 'Bytes sent by a pod on its HNS endpoint', (r) => r.tx);
  family('wincri_pod_network_receive_packets_dropped_total', 'Incoming packets of a pod dropped on its HNS endpoint', (r) => r.rxDropped);
  family('wincri_pod_network_transmit_packets_dropped_total', 'Outgoing packets of a pod dropped on its HNS endpoint', (r) => r.txDropped);
}

async function sample(rt: Runtime | undefined): Promise<Row[]> {
  if (!rt || !rt.isReady) return [];
  const pods = rt.listPodSandbox({ state: 'SANDBOX_READY' });
  const stats = await Promise.all(pods.map((s) => rt.podNetworkStats(s).catch(() => undefined)));
  const out: Row[] = [];
  pods.forEach((s, i) => {
    const m = s.config.metadata;
    for (const n of stats[i]?.interfaces ?? []) {
      out.push({ namespace: m.namespace, pod: m.name, iface: n.endpointId, rx: n.rxBytes, tx: n.txBytes, rxDropped: n.rxDropped, txDropped: n.txDropped });
    }
  });
  return out;
}
