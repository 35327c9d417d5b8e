/**
 * The gRPC edge's two paths: lean methods (answered synchronously from memory) reply within the call that
 * received the request, with no request context and no RPC slot, and keep the edge's refusals and error mapping;
 * every other method runs in a request context, behind the RPC slots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { wrapUnary } from '../../../src/cri/handler.js';
import { decodingService } from '../../../src/cri/undecodable.js';
import { loadCri } from '../../../src/cri/proto.js';
import { createRpcMetrics } from '../../../src/cri/rpc-metrics.js';
import type { CriContext } from '../../../src/cri/context.js';
import { Semaphore } from '../../../src/util/semaphore.js';
import { currentContext } from '../../../src/util/request-context.js';
import { invalidArgument, notFound, resourceExhausted } from '../../../src/errors.js';

interface Reply { code: number; details?: string; value?: unknown }

function context(ready = true): CriContext {
  return { isReady: () => ready, metrics: createRpcMetrics(new Registry()) } as unknown as CriContext;
}

/** Invokes a wrapped handler; `replied` says whether the answer came before the invocation returned. */
function invoke(h: (call: never, cb: never) => void, request: unknown = {}): { replied: boolean; reply: Promise<Reply> } {
  let replied = false;
  const reply = new Promise<Reply>((resolve) => {
    h({ request } as never, ((e: { code: number; details: string } | null, value?: unknown) => {
      replied = true;
      resolve(e ? { code: e.code, details: e.details } : { code: Status.OK, value });
    }) as never);
  });
  return { replied, reply };
}

test('a lean method answers within the call, outside any request context', async () => {
  const ctx = context();
  let seen: unknown = 'not called';
  const h = wrapUnary('RuntimeService', 'ListContainers', ctx, () => { seen = currentContext(); return { containers: [] }; });
  const r = invoke(h);
  assert.equal(r.replied, true, 'replied synchronously');
  assert.deepEqual(await r.reply, { code: Status.OK, value: { containers: [] } });
  assert.equal(seen, undefined, 'no request context');
  assert.equal(ctx.metrics!.method('RuntimeService', 'ListContainers').codes.get('OK'), 1);
});

test('a lean method: thrown and rejected errors map to their gRPC codes', async () => {
  const ctx = context();
  const threw = wrapUnary('RuntimeService', 'ListPodSandbox', ctx, () => { throw invalidArgument('filter.id: bad'); });
  const r = invoke(threw);
  assert.equal(r.replied, true);
  assert.deepEqual(await r.reply, { code: Status.INVALID_ARGUMENT, details: 'filter.id: bad' });
  const rejected = wrapUnary('RuntimeService', 'ListPodSandbox', ctx, async () => { throw notFound('gone'); });
  assert.deepEqual(await invoke(rejected).reply, { code: Status.NOT_FOUND, details: 'gone' });
  const plainPromise = wrapUnary('RuntimeService', 'Version', ctx, async () => ({ version: '0.1.0' }));
  assert.deepEqual(await invoke(plainPromise).reply, { code: Status.OK, value: { version: '0.1.0' } });
  assert.equal(ctx.metrics!.method('RuntimeService', 'ListPodSandbox').codes.get('INVALID_ARGUMENT'), 1);
});

test('a lean list is refused while the runtime recovers; Version is served', async () => {
  const ctx = context(false);
  const list = wrapUnary('RuntimeService', 'ListContainers', ctx, () => ({ containers: [] }));
  const r = await invoke(list).reply;
  assert.equal(r.code, Status.UNAVAILABLE);
  assert.match(r.details!, /recovering containers/);
  const version = wrapUnary('RuntimeService', 'Version', ctx, () => ({ version: '0.1.0' }));
  assert.equal((await invoke(version).reply).code, Status.OK);
});

test('a lean method: an undecodable request is InvalidArgument naming the message', async () => {
  const def = decodingService(loadCri().runtime.v1.RuntimeService.service);
  const garbage = def.ListContainers!.requestDeserialize(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  const list = wrapUnary('RuntimeService', 'ListContainers', context(), () => ({ containers: [] }));
  const r = await invoke(list, garbage).reply;
  assert.equal(r.code, Status.INVALID_ARGUMENT);
  assert.match(r.details!, /ListContainersRequest/);
});

test('lean lists take no RPC slot; other methods run behind the slots, in a request context', async () => {
  const rpcSlots = new Semaphore(1, 0, () => resourceExhausted('too many CRI requests'));
  const ctx = { ...context(), rpcSlots } as CriContext;
  let release!: () => void;
  let fields: unknown;
  const stalled = wrapUnary('RuntimeService', 'PodSandboxStatus', ctx, async () => {
    fields = currentContext()?.fields;
    await new Promise<void>((r) => { release = r; });
    return { ok: true };
  });
  const held = invoke(stalled, { podSandboxId: 'p1' });
  assert.equal(held.replied, false);
  await new Promise((r) => setImmediate(r));
  assert.equal((fields as { pod?: string }).pod, 'p1', 'the request context names the pod');
  assert.match(String((fields as { request?: string }).request), /^[0-9a-f]{12}$/);
  const refused = await invoke(wrapUnary('RuntimeService', 'ContainerStatus', ctx, async () => ({}))).reply;
  assert.equal(refused.code, Status.RESOURCE_EXHAUSTED, 'the only slot is taken');
  const list = invoke(wrapUnary('RuntimeService', 'ListContainers', ctx, () => ({ containers: [] })));
  assert.equal(list.replied, true);
  assert.equal((await list.reply).code, Status.OK);
  release();
  assert.deepEqual(await held.reply, { code: Status.OK, value: { ok: true } });
});
