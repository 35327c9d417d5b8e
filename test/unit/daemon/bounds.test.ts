/** limits.concurrentRpcs and limits.concurrentCniCalls hold: counted with stalled fakes, never with timing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { wrapUnary } from '../../../src/cri/handler.js';
import type { CriContext } from '../../../src/cri/context.js';
import { Semaphore } from '../../../src/util/semaphore.js';
import { resourceExhausted } from '../../../src/errors.js';
import { boundedPodNetwork } from '../../../src/daemon/bounded-network.js';
import type { PodNetwork } from '../../../src/runtime/ports.js';

const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

test('RPCs beyond limits.concurrentRpcs wait; beyond the queue they get ResourceExhausted; Version never waits', async () => {
  const rpcSlots = new Semaphore(2, 3, () => resourceExhausted('too many CRI requests'));
  const ctx = { isReady: () => true, rpcSlots } as unknown as CriContext;
  let inFlight = 0; let peak = 0; const releases: (() => void)[] = [];
  const stalledHandler = wrapUnary('RuntimeService', 'PodSandboxStatus', ctx, async () => {
    inFlight++; peak = Math.max(peak, inFlight);
    await new Promise<void>((r) => releases.push(r));
    inFlight--;
    return { ok: true };
  });
  const version = wrapUnary('RuntimeService', 'Version', ctx, async () => ({ version: '0.1.0' }));
  const results: { code: number; details?: string }[] = [];
  const invoke = (h: (call: never, cb: never) => void) => new Promise<void>((resolve) => h({ request: {} } as never, ((e: { code: number; details: string } | null) => {
    results.push(e ? { code: e.code, details: e.details } : { code: Status.OK }); resolve();
  }) as never));
  const calls = Array.from({ length: 6 }, () => invoke(stalledHandler));
  await settle();
  assert.equal(inFlight, 2, 'two handlers run');
  assert.equal(rpcSlots.queued, 3, 'three wait');
  assert.deepEqual(results, [{ code: Status.RESOURCE_EXHAUSTED, details: 'too many CRI requests' }], 'the sixth is refused');
  await invoke(version);
  assert.equal(results.at(-1)!.code, Status.OK, 'Version is served while the slots are taken');
  while (releases.length || inFlight) { releases.shift()?.(); await settle(); assert.ok(inFlight <= 2); }
  await Promise.all(calls);
  assert.equal(peak, 2);
  assert.equal(results.filter((r) => r.code === Status.OK).length, 6, 'five queued or running RPCs and Version succeeded');
});

test('pod network calls beyond limits.concurrentCniCalls wait for a slot', async () => {
  let inFlight = 0; let peak = 0; const releases: (() => void)[] = [];
  const stall = async () => { inFlight++; peak = Math.max(peak, inFlight); await new Promise<void>((r) => releases.push(r)); inFlight--; };
  const fake: PodNetwork = {
    status: async () => ({ ready: true, reason: '', message: '' }),
    setUp: async () => { await stall(); return { ips: ['10.0.0.2'] }; },
    tearDown: stall, check: stall, gc: async () => undefined, setPodCidr: async () => undefined,
  };
  const n = boundedPodNetwork(fake, 3);
  const req = { sandboxId: 'x' } as never;
  const all = [...Array.from({ length: 4 }, () => n.setUp(req)), ...Array.from({ length: 3 }, () => n.tearDown(req)), n.check(req)];
  await settle();
  assert.equal(inFlight, 3);
  assert.equal(n.slots.queued, 5);
  assert.deepEqual(await n.status(), { ready: true, reason: '', message: '' }, 'status is not held back');
  while (releases.length || inFlight) { releases.shift()?.(); await settle(); assert.ok(inFlight <= 3); }
  await Promise.all(all);
  assert.equal(peak, 3);
});
