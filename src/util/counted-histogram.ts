/**
 * A Prometheus histogram whose counts are kept by its owner (plain numbers, updated without label hashing) and
 * read only when the registry is scraped. prom-client's Histogram hashes the label set on every observation, which
 * was a measurable part of a cheap RPC; this subclass only replaces where the values come from, so the exposition
 * (cumulative `_bucket` lines with `le`, then `+Inf`, `_sum`, `_count`) and the family's type stay the same.
 */
import { Histogram, type Registry } from 'prom-client';

export interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative), one per upper bound; larger values are only in `count`. */
  buckets: ArrayLike<number>;
  sum: number;
  count: number;
}

/** The bucket index of `v` in `bounds` (ascending), or bounds.length when it is above them all. */
export function bucketOf(bounds: readonly number[], v: number): number {
  let i = 0;
  while (i < bounds.length && v > bounds[i]!) i++;
  return i;
}

interface Config { name: string; help: string; labelNames: string[]; buckets: number[]; registry: Registry }

class CountedHistogram extends Histogram<string> {
  constructor(private readonly cfg: Config, private readonly series: () => Iterable<HistogramSeries>) {
    super({ name: cfg.name, help: cfg.help, labelNames: cfg.labelNames, buckets: cfg.buckets, registers: [cfg.registry] });
  }

  override async get(): ReturnType<Histogram<string>['get']> {
    const { name, help, buckets } = this.cfg;
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.series()) {
      let acc = 0;
      buckets.forEach((le, i) => { acc += s.buckets[i]!; values.push({ labels: { le, ...s.labels }, value: acc, metricName: `${name}_bucket` }); });
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${name}_count` });
    }
    // prom-client's MetricType is a declared enum with no runtime object: its 'histogram' member is this string.
    return { name, help, type: 'histogram', values, aggregator: 'sum' } as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }

  /** What the registry reads for the text exposition (prom-client's own reads its label-hash map). */
  async getForPromString() { return this.get(); }
}

export function registerCountedHistogram(registry: Registry, name: string, help: string, labelNames: string[], buckets: number[], series: () => Iterable<HistogramSeries>): void {
  new CountedHistogram({ name, help, labelNames, buckets, registry }, series);
}
