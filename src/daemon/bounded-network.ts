/** limits.concurrentCniCalls: pod network set-ups, tear-downs and checks beyond the bound wait for a slot. */
import type { PodNetwork } from '../runtime/ports.js';
import { Semaphore } from '../util/semaphore.js';

export function boundedPodNetwork(n: PodNetwork, limit: number): PodNetwork & { readonly slots: Semaphore } {
  const slots = new Semaphore(limit);
  return {
    ...n,
    slots,
    setUp: (req) => slots.run(() => n.setUp(req)),
    tearDown: (req) => slots.run(() => n.tearDown(req)),
    check: (req) => slots.run(() => n.check(req)),
  };
}
