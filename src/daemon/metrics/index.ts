/**
 * The daemon's metrics registry: every family wincri exports, built in one place so that the daemon and the
 * README reference test (test/unit/daemon/metrics-reference.test.ts) see the same set.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Runtime } from '../../runtime/runtime.js';
import { createRpcMetrics, type RpcMetrics } from '../../cri/rpc-metrics.js';
import type { PullObserver } from '../../images/service.js';
import type { PlatformObserver } from './instrument-platform.js';
import type { CniObserver } from './instrument-network.js';
import { platformMetrics, cniMetrics, pullMetrics } from './operations.js';
import { workloadMetrics } from './workload.js';
import { podNetworkMetrics } from './pod-network.js';
import { processMetrics, type HelperProcess } from './processes.js';
import { logMetrics, type LogCounts } from './logs.js';
import { limitMetrics, type LimitSources } from './limits.js';

export { instrumentPlatform } from './instrument-platform.js';
export { instrumentPodNetwork } from './instrument-network.js';
export type { HelperProcess } from './processes.js';

export interface DaemonMetrics {
  registry: Registry;
  rpc: RpcMetrics;
  platform: PlatformObserver;
  cni: CniObserver;
  pulls: PullObserver;
}

export interface MetricsSources {
  /** The runtime once it exists (the registry is built before it, to instrument what it is built from). */
  runtime?: () => Runtime | undefined;
  helpers?: HelperProcess[];
  /** Log records and bytes per container, from the IO keeper. */
  logCounts?: LogCounts;
  /** The semaphores of the limits.* bounds, by setting name. */
  limits?: LimitSources;
}

/** Period of the event-loop delay sampling behind wincri_nodejs_eventloop_lag_*_seconds. */
export const LAG_SAMPLE_MS = 1000;

export function createDaemonMetrics(sources: MetricsSources = {}): DaemonMetrics {
  const registry = new Registry();
  // The event-loop-lag histogram samples with a libuv timer: prom-client's default 10 ms wakes an idle daemon 100
  // times a second (about 0.5 % of a core on its own); once a second still shows any stall a scrape would care about.
  collectDefaultMetrics({ register: registry, prefix: 'wincri_', eventLoopMonitoringPrecision: LAG_SAMPLE_MS });
  workloadMetrics(registry, sources.runtime ?? (() => undefined));
  podNetworkMetrics(registry, sources.runtime ?? (() => undefined));
  processMetrics(registry, sources.helpers ?? []);
  logMetrics(registry, sources.runtime ?? (() => undefined), sources.logCounts);
  limitMetrics(registry, sources.limits ?? (() => ({})));
  return {
    registry,
    rpc: createRpcMetrics(registry),
    platform: platformMetrics(registry),
    cni: cniMetrics(registry),
    pulls: pullMetrics(registry),
  };
}
