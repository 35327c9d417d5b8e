/**
 * The RPC metrics kept as plain per-method counts export exactly what prom-client's own Counter and Histogram
 * export for the same observations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { createRpcMetrics } from '../../../src/cri/rpc-metrics.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const CALLS: [string, string, string, number, Record<string, number>][] = [
  ['RuntimeService', 'Version', 'OK', 0.0003, {}],
  ['RuntimeService', 'Version', 'OK', 0.0005, {}],
  ['RuntimeService', 'RunPodSandbox', 'OK', 0.2, { platform: 0.15, 'cni-exec': 0.01 }],
  ['RuntimeService', 'RunPodSandbox', 'INVALID_ARGUMENT', 0.001, {}],
  ['ImageService', 'PullImage', 'OK', 75, {}],
];

/** The families as prom-client's own metrics record them, one label-hashed observation at a time. */
async function reference(): Promise<string> {
  const r = new Registry();
  const requests = new Counter({ name: 'wincri_grpc_requests_total', help: 'CRI requests by method and status code', labelNames: ['service', 'method', 'code'], registers: [r] });
  const latency = new Histogram({ name: 'wincri_grpc_request_duration_seconds', help: 'CRI request latency', labelNames: ['service', 'method'], registers: [r], buckets: BUCKETS });
  const outside = new Counter({ name: 'wincri_grpc_outside_seconds_total', help: 'Seconds of CRI requests spent in platform calls, IO keeper calls and CNI plugin execs', labelNames: ['service', 'method', 'part'], registers: [r] });
  for (const [service, method, code, s, parts] of CALLS) {
    requests.inc({ service, method, code });
    latency.observe({ service, method }, s);
    for (const [part, v] of Object.entries(parts)) outside.inc({ service, method, part }, v);
  }
  requests.inc({ service: 'RuntimeService', method: 'GetContainerEvents', code: 'STREAM' });
  return r.metrics();
}

/** Sample lines, label order normalized (Prometheus does not order labels). */
function samples(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const m = /^(\w+)(?:\{(.*)\})? (.*)$/.exec(l)!;
    const labels = (m[2] ?? '').split(/,(?=\w+=)/).filter(Boolean).sort().join(',');
    return `${m[1]}{${labels}} ${m[3]}`;
  }).sort();
}

test('per-method counts export the same samples as prom-client metrics fed call by call', async () => {
  const r = new Registry();
  const m = createRpcMetrics(r);
  for (const [service, method, code, s, parts] of CALLS) m.method(service, method).finished(code, s, { platform: 0, keeper: 0, 'cni-exec': 0, ...parts });
  m.method('RuntimeService', 'GetContainerEvents').request('STREAM');
  assert.equal(m.method('RuntimeService', 'Version'), m.method('RuntimeService', 'Version'), 'one stats object per method');
  const text = await r.metrics();
  assert.deepEqual(samples(text), samples(await reference()));
  assert.match(text, /# TYPE wincri_grpc_request_duration_seconds histogram/);
  // Scraped twice, nothing counts twice.
  assert.deepEqual(samples(await r.metrics()), samples(text));
});
