/**
 * Container log volume: the IO keeper writes the logs and counts records and bytes per attachment; on scrape the
 * daemon asks it once (`list`) and labels the numbers with the container's identity. A keeper that does not
 * answer leaves the family empty for that scrape. The counts restart with the keeper (a counter reset).
 */
import { Counter, type Registry } from 'prom-client';
import type { Runtime } from '../../runtime/runtime.js';

export interface LogCount { containerId: string; lines: number; bytes: number }
export type LogCounts = () => Promise<LogCount[]>;

export function logMetrics(registry: Registry, runtime: () => Runtime | undefined, counts: LogCounts | undefined): void {
  const registers = [registry];
  const labelNames = ['namespace', 'pod', 'container'] as const;
  let pass: Promise<{ labels: Record<(typeof labelNames)[number], string>; c: LogCount }[]> | undefined;
  const rows = () => (pass ??= identify(runtime(), counts).finally(() => { pass = undefined; }));
  new Counter({ name: 'wincri_container_log_lines_total', help: 'CRI log records (lines; partial ones count each) written for a container', labelNames, registers,
    async collect() { this.reset(); for (const r of await rows()) this.inc(r.labels, r.c.lines); } });
  new Counter({ name: 'wincri_container_log_bytes_total', help: 'Bytes written to a container\'s CRI log file', labelNames, registers,
    async collect() { this.reset(); for (const r of await rows()) this.inc(r.labels, r.c.bytes); } });
}

async function identify(rt: Runtime | undefined, counts: LogCounts | undefined) {
  if (!rt || !counts) return [];
  const all = await counts().catch(() => []);
  return all.flatMap((c) => {
    try {
      const ctr = rt.getContainer(c.containerId);
      const pod = rt.getSandbox(ctr.sandboxId).config.metadata;
      return [{ labels: { namespace: pod.namespace, pod: pod.name, container: ctr.config.metadata.name }, c }];
    } catch {
      return [];
    }
  });
}
