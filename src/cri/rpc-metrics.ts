/**
 * The per-RPC metrics the gRPC edge (handler.ts) keeps: requests by code, latency, time spent outside the daemon.
 * Each method's counts are plain numbers in its own MethodStats (found once, when the handler is wrapped), turned
 * into Prometheus families only when scraped: a cheap RPC pays a few additions, not three label-set hashes.
 */
import { Counter, type Registry } from 'prom-client';
import type { OutsidePart } from '../util/rpc-clock.js';
import { bucketOf, registerCountedHistogram } from '../util/counted-histogram.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class MethodStats {
  readonly labels: { service: string; method: string };
  /** Requests by gRPC code name ('STREAM' for a stream opened). */
  readonly codes = new Map<string, number>();
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length);
  sum = 0;
  count = 0;
  readonly outside: Record<OutsidePart, number> = { platform: 0, keeper: 0, 'cni-exec': 0 };

  constructor(service: string, method: string) { this.labels = { service, method }; }

  request(code: string): void { this.codes.set(code, (this.codes.get(code) ?? 0) + 1); }

  /** A finished unary RPC: its code, its seconds, and the seconds of each outside part. */
  finished(code: string, seconds: number, outside: Readonly<Record<OutsidePart, number>>): void {
    this.request(code);
    const b = bucketOf(LATENCY_BUCKETS, seconds);
    if (b < LATENCY_BUCKETS.length) this.buckets[b]! += 1;
    this.sum += seconds;
    this.count++;
    for (const part in outside) this.outside[part as OutsidePart] += outside[part as OutsidePart];
  }
}

export interface RpcMetrics {
  /** The stats of one method (the same object on every call). */
  method(service: string, method: string): MethodStats;
}

export function createRpcMetrics(registry: Registry): RpcMetrics {
  const all = new Map<string, MethodStats>();
  new Counter({
    name: 'wincri_grpc_requests_total', help: 'CRI requests by method and status code', labelNames: ['service', 'method', 'code'], registers: [registry],
    collect() { this.reset(); for (const m of all.values()) for (const [code, n] of m.codes) this.inc({ ...m.labels, code }, n); },
  });
  registerCountedHistogram(registry, 'wincri_grpc_request_duration_seconds', 'CRI request latency', ['service', 'method'], LATENCY_BUCKETS,
    () => [...all.values()].filter((m) => m.count > 0).map((m) => ({ labels: m.labels, buckets: m.buckets, sum: m.sum, count: m.count })));
  new Counter({
    name: 'wincri_grpc_outside_seconds_total', help: 'Seconds of CRI requests spent in platform calls, IO keeper calls and CNI plugin execs (part); the time an IO '
      + 'keeper start waited on its platform calls alone (none of its own I/O pending; the keeper reports it) counts as platform',
    labelNames: ['service', 'method', 'part'], registers: [registry],
    collect() {
      this.reset();
      for (const m of all.values()) for (const [part, s] of Object.entries(m.outside)) if (s > 0) this.inc({ ...m.labels, part }, s);
    },
  });
  return {
    method(service, method) {
      const key = `${service}/${method}`;
      let m = all.get(key);
      if (!m) all.set(key, (m = new MethodStats(service, method)));
      return m;
    },
  };
}
