/** Families fed by observers: platform (HCS/HCN/storage) calls, CNI calls, image pulls, layer imports. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PlatformObserver } from './instrument-platform.js';
import type { CniObserver } from './instrument-network.js';
import type { PullObserver } from '../../images/service.js';

const FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const SLOW = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export function platformMetrics(registry: Registry): PlatformObserver {
  const registers = [registry];
  const latency = new Histogram({ name: 'wincri_platform_call_duration_seconds', help: 'HCS/HCN/storage call latency by service and operation', labelNames: ['service', 'operation'], buckets: FAST, registers });
  const errors = new Counter({ name: 'wincri_platform_call_errors_total', help: 'Failed HCS/HCN/storage calls by service, operation and HRESULT name', labelNames: ['service', 'operation', 'hresult'], registers });
  const imports = new Histogram({ name: 'wincri_image_layer_import_duration_seconds', help: 'Layer import (StorageService.importLayer) duration', buckets: SLOW, registers });
  return (service, operation, seconds, error) => {
    latency.observe({ service, operation }, seconds);
    if (error !== undefined) errors.inc({ service, operation, hresult: error });
    else if (service === 'storage' && operation === 'importLayer') imports.observe(seconds);
  };
}

export function cniMetrics(registry: Registry): CniObserver {
  const registers = [registry];
  const latency = new Histogram({ name: 'wincri_cni_operation_duration_seconds', help: 'CNI ADD/DEL/CHECK latency by plugin chain', labelNames: ['operation', 'plugin'], buckets: FAST, registers });
  const failures = new Counter({ name: 'wincri_cni_operation_failures_total', help: 'Failed CNI ADD/DEL/CHECK by plugin chain', labelNames: ['operation', 'plugin'], registers });
  return (operation, plugin, seconds, ok) => {
    latency.observe({ operation, plugin }, seconds);
    if (!ok) failures.inc({ operation, plugin });
  };
}

export function pullMetrics(registry: Registry): PullObserver {
  const registers = [registry];
  const pulls = new Counter({ name: 'wincri_image_pulls_total', help: 'Image pulls by result (success or the error kind)', labelNames: ['result'], registers });
  const joined = new Counter({ name: 'wincri_image_pull_joins_total', help: 'Pull requests that joined a pull of the same image already in progress', registers });
  const bytes = new Counter({ name: 'wincri_image_pull_bytes_total', help: 'Compressed bytes received from registries', registers });
  const inflight = new Gauge({ name: 'wincri_image_pulls_in_flight', help: 'Pulls in progress (joined requests counted once)', registers });
  const duration = new Histogram({ name: 'wincri_image_pull_duration_seconds', help: 'Image pull duration (successful and failed)', buckets: SLOW, registers });
  return {
    started: () => inflight.inc(),
    joined: () => joined.inc(),
    bytes: (n) => bytes.inc(n),
    finished: (seconds, failure) => {
      inflight.dec();
      duration.observe(seconds);
      pulls.inc({ result: failure ?? 'success' });
    },
  };
}
