/**
 * The daemon's /metrics and /healthz over HTTP: every RPC the test ran is counted with its status code, the
 * running pod's containers have CPU/memory series, and the whole exposition passes a strict text-format parser.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { parsePrometheusText, sampleValue, type Family } from '../helpers/prom-text.js';

const IMAGE = 'example.com/wincri/metrics:1.0';
let d: Daemon;
let imageId = '';

async function scrape(): Promise<Map<string, Family>> {
  const res = await fetch(`${d.metricsUrl()}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

const rpcCount = (f: Map<string, Family>, method: string, code = 'OK') =>
  sampleValue(f, 'wincri_grpc_requests_total', { service: method.endsWith('Image') || method === 'ListImages' ? 'ImageService' : 'RuntimeService', method, code }) ?? 0;

before(async () => {
  d = new Daemon('wincri-metrics');
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['sh', '-c', 'sleep 600'] } });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
});

after(async () => { await d?.destroy(); });

test('/healthz is 200 once recovered; unknown paths are 404', async () => {
  const res = await fetch(`${d.metricsUrl()}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok\n');
  assert.equal((await fetch(`${d.metricsUrl()}/nope`)).status, 404);
});

test('every RPC that ran is counted with its code; a running pod has CPU and memory series', async () => {
  const before = await scrape();
  const base = (m: string, c?: string) => rpcCount(before, m, c);
  const config = podConfig('metered', join(d.logDir, 'metered'));
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  mkdirSync(join(config.logDirectory, 'app'), { recursive: true });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId, sandboxConfig: config,
    config: { metadata: { name: 'app', attempt: 0 }, image: { image: imageId }, command: ['sh', '-c', 'echo one; echo two; echo three; sleep 600'], logPath: 'app/0.log' },
  });
  await call(d.runtime, 'StartContainer', { containerId });
  for (let i = 0; i < 3; i++) await call(d.runtime, 'ListContainers', {});
  await call(d.image, 'ListImages', {});
  await expectCode(call(d.runtime, 'ContainerStatus', { containerId: 'no-such-container' }), Status.NOT_FOUND);
  await expectCode(call(d.runtime, 'ContainerStatus', { containerId: 'no-such-container' }), Status.NOT_FOUND);

  const after = await scrape();
  const delta = (m: string, c = 'OK') => rpcCount(after, m, c) - base(m, c);
  assert.equal(delta('RunPodSandbox'), 1);
  assert.equal(delta('CreateContainer'), 1);
  assert.equal(delta('StartContainer'), 1);
  assert.equal(delta('ListContainers'), 3);
  assert.equal(delta('ListImages'), 1);
  assert.equal(delta('ContainerStatus', 'NOT_FOUND'), 2);
  const latencyCount = sampleValue(after, 'wincri_grpc_request_duration_seconds', { method: 'StartContainer' }, 'wincri_grpc_request_duration_seconds_count') ?? 0;
  assert.ok(latencyCount >= 1, 'StartContainer latency observed');

  assert.equal(sampleValue(after, 'wincri_containers', { state: 'CONTAINER_RUNNING' }), 1);
  assert.equal(sampleValue(after, 'wincri_pods', { state: 'SANDBOX_READY' }), 1);
  const id = { namespace: 'default', pod: 'metered', container: 'app' };
  assert.equal(after.get('wincri_container_cpu_usage_seconds_total')?.type, 'counter');
  assert.notEqual(sampleValue(after, 'wincri_container_cpu_usage_seconds_total', id), undefined, 'container CPU series');
  assert.ok((sampleValue(after, 'wincri_container_memory_working_set_bytes', id) ?? 0) > 0, 'container memory series');
  assert.ok((sampleValue(after, 'wincri_pod_memory_working_set_bytes', { namespace: 'default', pod: 'metered' }) ?? 0) > 0, 'pod memory series');

  // Platform calls the pod made are timed; the CNI ADD through the fake plugin is counted.
  assert.ok((sampleValue(after, 'wincri_platform_call_duration_seconds', { service: 'compute', operation: 'createComputeSystem' }, 'wincri_platform_call_duration_seconds_count') ?? 0) >= 1);
  assert.ok((sampleValue(after, 'wincri_platform_call_duration_seconds', { service: 'system', operation: 'start' }, 'wincri_platform_call_duration_seconds_count') ?? 0) >= 1);
  assert.equal(sampleValue(after, 'wincri_cni_operation_duration_seconds', { operation: 'ADD', plugin: 'fake-net' }, 'wincri_cni_operation_duration_seconds_count'), 1);
  // The helper processes are visible.
  assert.ok((sampleValue(after, 'wincri_helper_process_resident_memory_bytes', { process: 'io-keeper' }) ?? 0) > 0);
  assert.ok((sampleValue(after, 'wincri_helper_process_resident_memory_bytes', { process: 'emulator' }) ?? 0) > 0);
  assert.ok((sampleValue(after, 'wincri_process_resident_memory_bytes') ?? 0) > 0);

  // Log volume comes from the IO keeper: three records, as many bytes as the CRI log file holds.
  const logPath = join(config.logDirectory, 'app/0.log');
  let logs: Map<string, Family> | undefined;
  for (let i = 0; i < 200 && (sampleValue(logs ?? after, 'wincri_container_log_lines_total', id) ?? 0) < 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    logs = await scrape();
  }
  logs ??= after;
  assert.equal(sampleValue(logs, 'wincri_container_log_lines_total', id), 3);
  assert.equal(sampleValue(logs, 'wincri_container_log_bytes_total', id), statSync(logPath).size);

  await call(d.runtime, 'StopPodSandbox', { podSandboxId });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId });
  const gone = await scrape();
  assert.equal(sampleValue(gone, 'wincri_container_memory_working_set_bytes', id), undefined, 'series of a removed container disappear');
});
