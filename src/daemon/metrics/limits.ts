/**
 * Occupancy of the daemon's resource bounds (limits.*): how many hold a slot, how many wait, and how many were
 * refused because the queue was full, read from the bounds' semaphores on scrape.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Semaphore } from '../../util/semaphore.js';

export type LimitSources = () => Partial<Record<string, Semaphore>>;

export function limitMetrics(registry: Registry, slots: LimitSources): void {
  const registers = [registry];
  const labelNames = ['limit'] as const;
  const each = (f: (limit: string, s: Semaphore) => void) => { for (const [limit, s] of Object.entries(slots())) if (s) f(limit, s); };
  new Gauge({ name: 'wincri_limit_in_use', help: 'Holders of a bounded resource right now (limit: the limits.* setting that bounds it)', labelNames, registers,
    collect() { this.reset(); each((limit, s) => this.set({ limit }, s.inFlight)); } });
  new Gauge({ name: 'wincri_limit_queued', help: 'Work waiting for a slot of a bounded resource right now', labelNames, registers,
    collect() { this.reset(); each((limit, s) => this.set({ limit }, s.queued)); } });
  new Gauge({ name: 'wincri_limit_capacity', help: 'Slots of a bounded resource (the configured limits.* value)', labelNames, registers,
    collect() { this.reset(); each((limit, s) => this.set({ limit }, s.limit)); } });
  new Counter({ name: 'wincri_limit_rejections_total', help: 'Work refused with ResourceExhausted because the queue of a bounded resource was full (limits.rpcQueueLength)', labelNames, registers,
    collect() { this.reset(); each((limit, s) => this.inc({ limit }, s.rejected)); } });
}
