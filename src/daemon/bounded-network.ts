/** limits.concurrentCniCalls: pod network set-ups, tear-downs and checks beyond the bound wait for a slot. */
import type { PodNetwork } from '../runtime/ports.js';
import { Semaphore } from '../util/semaphore.js';

export function boundedPodNetwork(n: PodNetwork, limit: number | Semaphore): PodNetwork & { readonly slots: Semaphore } {
  const slots = typeof limit === 'number' ? new Semaphore(limit) : limit;
  return {
    ...n,
    slots,
    setUp: (req) => slots.run(() => n.setUp(req)),
    tearDown: (req) => slots.run(() => n.tearDown(req)),
    check: (req) => slots.run(() => n.check(req)),
  };
}
