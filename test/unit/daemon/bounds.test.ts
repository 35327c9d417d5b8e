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
    tearDown: stall, check: stall, attachedPods: async () => [], gc: async () => undefined, setPodCidr: async () => undefined,
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

test('a pod network set-up takes its slot only once its namespace is ready; a failed namespace takes none', async () => {
  const releases: (() => void)[] = [];
  const fake: PodNetwork = {
    status: async () => ({ ready: true, reason: '', message: '' }),
    // As the CNI manager: the plugins (the slot's work) run once the namespace is ready.
    setUp: async (req) => { await req.namespaceReady; await new Promise<void>((r) => releases.push(r)); return { ips: ['10.0.0.2'] }; },
    tearDown: async () => undefined, check: async () => undefined, attachedPods: async () => [], gc: async () => undefined, setPodCidr: async () => undefined,
  };
  const n = boundedPodNetwork(fake, 1);
  let ready!: () => void;
  const slow = n.setUp({ sandboxId: 'slow', namespaceReady: new Promise<void>((r) => { ready = r; }) } as never);
  let fail!: (e: Error) => void;
  const failed = n.setUp({ sandboxId: 'failed', namespaceReady: new Promise<void>((_, rej) => { fail = rej; }) } as never);
  await settle();
  assert.equal(n.slots.inFlight, 0, 'no slot while the namespaces are being made');
  await n.tearDown({ sandboxId: 'other' } as never); // not held back by them
  fail(new Error('namespace refused'));
  await assert.rejects(failed, /namespace refused/);
  assert.equal(n.slots.inFlight + n.slots.queued, 0, 'the failed namespace took no slot');
  ready();
  await settle();
  assert.equal(n.slots.inFlight, 1, 'the set-up holds its slot once its namespace is ready');
  releases.shift()!();
  assert.deepEqual((await slow).ips, ['10.0.0.2']);
  assert.equal(n.slots.inFlight, 0);
  // A set-up that ends before its namespace is ready gives a slot granted later back at once.
  let late!: () => void;
  const early: PodNetwork = { ...fake, setUp: async () => { throw new Error('cni config uninitialized'); } };
  const m = boundedPodNetwork(early, 1);
  await assert.rejects(m.setUp({ sandboxId: 'early', namespaceReady: new Promise<void>((r) => { late = r; }) } as never), /uninitialized/);
  late();
  await settle();
  assert.equal(m.slots.inFlight, 0, 'no slot is left held');
});
