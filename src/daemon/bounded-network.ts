/** limits.concurrentCniCalls: pod network set-ups, tear-downs and checks beyond the bound wait for a slot. */
import type { PodNetwork, PodNetworkRequest } from '../runtime/ports.js';
import { Semaphore } from '../util/semaphore.js';

export function boundedPodNetwork(n: PodNetwork, limit: number | Semaphore): PodNetwork & { readonly slots: Semaphore } {
  const slots = typeof limit === 'number' ? new Semaphore(limit) : limit;
  return {
    ...n,
    slots,
    setUp: (req) => (req.namespaceReady ? setUpOnceReady(n, slots, req, req.namespaceReady) : slots.run(() => n.setUp(req))),
    tearDown: (req) => slots.run(() => n.tearDown(req)),
    check: (req) => slots.run(() => n.check(req)),
  };
}

/**
 * A set-up whose namespace is still being made: its first record is written meanwhile (no plugin runs before the
 * namespace is ready), but a slot is taken only once the namespace is ready, so a slow namespace holds none. A
 * namespace that failed takes no slot; a slot granted after the set-up already ended is given back at once.
 */
async function setUpOnceReady(n: PodNetwork, slots: Semaphore, req: PodNetworkRequest, namespaceReady: Promise<unknown>): ReturnType<PodNetwork['setUp']> {
  let held = false;
  let ended = false;
  const ready = namespaceReady.then(async (v) => {
    await slots.acquire();
    if (ended) { slots.release(); throw new Error('pod network set-up ended before its slot'); }
    held = true;
    return v;
  });
  ready.catch(() => undefined); // the set-up awaits it, or has ended
  try {
    return await n.setUp({ ...req, namespaceReady: ready });
  } finally {
    ended = true;
    if (held) slots.release();
  }
}
