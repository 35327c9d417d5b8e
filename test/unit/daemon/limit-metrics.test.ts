/** wincri_limit_*: occupancy, waiters, capacity and refusals of each limits.* semaphore, read on scrape. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { limitMetrics } from '../../../src/daemon/metrics/limits.js';
import { limitSlots } from '../../../src/daemon/limit-slots.js';
import { defaultLimits } from '../../../src/config/limits.js';
import { parsePrometheusText, sampleValue } from '../../helpers/prom-text.js';

async function read(r: Registry, limit: string) {
  const f = parsePrometheusText(await r.metrics());
  return ['in_use', 'queued', 'capacity', 'rejections_total'].map((m) => sampleValue(f, `wincri_limit_${m}`, { limit }));
}

test('each bound reports holders, waiters, capacity and refusals, and they move with the semaphore', async () => {
  const slots = limitSlots({ ...defaultLimits(), concurrentRpcs: 2, rpcQueueLength: 1, concurrentPulls: 1 });
  const r = new Registry();
  limitMetrics(r, () => ({ ...slots }));
  assert.deepEqual(await read(r, 'concurrentRpcs'), [0, 0, 2, 0]);
  assert.deepEqual(await read(r, 'concurrentCniCalls'), [0, 0, defaultLimits().concurrentCniCalls, 0]);
  const rpcs = slots.concurrentRpcs;
  await rpcs.acquire(); await rpcs.acquire();
  const waiting = rpcs.acquire();
  await assert.rejects(rpcs.acquire(), (e: Error) => /limits\.rpcQueueLength/.test(e.message), 'the queue is full');
  assert.deepEqual(await read(r, 'concurrentRpcs'), [2, 1, 2, 1]);
  rpcs.release();
  await waiting;
  assert.deepEqual(await read(r, 'concurrentRpcs'), [2, 0, 2, 1]);
  rpcs.release(); rpcs.release();
  assert.deepEqual(await read(r, 'concurrentRpcs'), [0, 0, 2, 1], 'the refusal counter only grows');
  await slots.concurrentPulls.run(async () => assert.deepEqual(await read(r, 'concurrentPulls'), [1, 0, 1, 0]));
});

test('the families exist with no sources (the README reference lists them)', async () => {
  const r = new Registry();
  limitMetrics(r, () => ({}));
  const names = (await r.getMetricsAsJSON()).map((m) => m.name).sort();
  assert.deepEqual(names, ['wincri_limit_capacity', 'wincri_limit_in_use', 'wincri_limit_queued', 'wincri_limit_rejections_total']);
});
