/**
 * The daemon's bounded resources (config/limits.ts), one semaphore each, built in one place so that the code they
 * bound and the metrics that report their occupancy (metrics/limits.ts) share them. limits.rpcQueueLength is the
 * queue bound of concurrentRpcs; the other bounds queue without limit.
 */
import type { LimitsConfig } from '../config/limits.js';
import { resourceExhausted } from '../errors.js';
import { Semaphore } from '../util/semaphore.js';

export interface LimitSlots {
  concurrentRpcs: Semaphore;
  concurrentPulls: Semaphore;
  concurrentCniCalls: Semaphore;
  concurrentExecSync: Semaphore;
}

export function limitSlots(l: LimitsConfig): LimitSlots {
  return {
    concurrentRpcs: new Semaphore(l.concurrentRpcs, l.rpcQueueLength,
      () => resourceExhausted(`too many CRI requests: ${l.concurrentRpcs} running and ${l.rpcQueueLength} queued (limits.concurrentRpcs, limits.rpcQueueLength); retry later`)),
    concurrentPulls: new Semaphore(l.concurrentPulls),
    concurrentCniCalls: new Semaphore(l.concurrentCniCalls),
    concurrentExecSync: new Semaphore(l.concurrentExecSync),
  };
}
