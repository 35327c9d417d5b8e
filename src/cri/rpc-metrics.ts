/** The per-RPC metrics the gRPC edge (handler.ts) keeps: requests by code, latency, time spent outside the daemon. */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface RpcMetrics {
  requests: Counter<'service' | 'method' | 'code'>;
  latency: Histogram<'service' | 'method'>;
  /** Time of each RPC spent outside the daemon's own code, by part (util/rpc-clock.ts). */
  outside?: Counter<'service' | 'method' | 'part'>;
}

export function createRpcMetrics(registry: Registry): RpcMetrics {
  return {
    requests: new Counter({ name: 'wincri_grpc_requests_total', help: 'CRI requests by method and status code', labelNames: ['service', 'method', 'code'], registers: [registry] }),
    latency: new Histogram({
      name: 'wincri_grpc_request_duration_seconds', help: 'CRI request latency', labelNames: ['service', 'method'], registers: [registry],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
    outside: new Counter({
      name: 'wincri_grpc_outside_seconds_total', help: 'Seconds of CRI requests spent in platform calls, IO keeper calls and CNI plugin execs',
      labelNames: ['service', 'method', 'part'], registers: [registry],
    }),
  };
}
