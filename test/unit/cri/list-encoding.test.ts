/**
 * Pre-encoded list responses decode to exactly what the generated serializer produces from the converted
 * objects, and a record whose state (or config object) changes is encoded again, not served from the cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCri } from '../../../src/cri/proto.js';
import { containersResponse, sandboxesResponse, withEncodedLists } from '../../../src/cri/list-encoding.js';
import { containerToCri, podSandboxToCri } from '../../../src/cri/convert.js';
import type { ContainerRecord, SandboxRecord } from '../../../src/runtime/model.js';

const svc = loadCri().runtime.v1.RuntimeService.service;
const wrapped = withEncodedLists(svc);

function container(i: number): ContainerRecord {
  return {
    id: `${i}`.padStart(64, 'a'), sandboxId: 'b'.repeat(64), imageId: `sha256:${'c'.repeat(64)}`, imageName: 'example.com/app:1',
    imageRef: `sha256:${'c'.repeat(64)}`, createdAt: '1733300000000000000', startedAt: '0', finishedAt: '0', state: 'CONTAINER_CREATED',
    exitCode: 0, reason: '', message: '', scratchPath: '/x', logFile: '',
    config: { metadata: { name: `c${i}`, attempt: 1 }, image: { image: 'example.com/app:1', annotations: { a: 'b' } }, labels: { l: `${i}` }, annotations: { 'x/y': 'z' } },
  } as unknown as ContainerRecord;
}

function sandbox(i: number): SandboxRecord {
  return {
    id: `${i}`.padStart(64, 'd'), runtimeHandler: '', createdAt: '1733300000000000001', state: 'SANDBOX_READY', additionalIps: [],
    config: { metadata: { name: `p${i}`, uid: `u${i}`, namespace: 'default', attempt: 0 }, labels: { app: 'x' }, annotations: {} },
  } as unknown as SandboxRecord;
}

test('ListContainers / ListPodSandbox: concatenated one-item encodings equal the generated encoding', () => {
  const cs = [container(1), container(2), container(3)];
  const ps = [sandbox(1), sandbox(2)];
  const lc = wrapped.ListContainers!;
  const lp = wrapped.ListPodSandbox!;
  const fast = lc.responseSerialize(containersResponse(cs));
  assert.deepEqual(fast, svc.ListContainers!.responseSerialize({ containers: cs.map(containerToCri) }));
  assert.deepEqual(lc.responseDeserialize(fast), svc.ListContainers!.responseDeserialize(svc.ListContainers!.responseSerialize({ containers: cs.map(containerToCri) })));
  assert.deepEqual(lp.responseSerialize(sandboxesResponse(ps)), svc.ListPodSandbox!.responseSerialize({ items: ps.map(podSandboxToCri) }));
  assert.equal(lc.responseSerialize(containersResponse([])).length, 0);
  // A plain response object (no pre-encoded items) still goes through the generated serializer.
  assert.deepEqual(lc.responseSerialize({ containers: cs.map(containerToCri) }), fast);
});

test('a changed record is encoded again', () => {
  const c = container(7);
  const s = sandbox(7);
  const lc = wrapped.ListContainers!;
  const lp = wrapped.ListPodSandbox!;
  const before = lc.responseDeserialize(lc.responseSerialize(containersResponse([c]))) as { containers: { state: string }[] };
  assert.equal(before.containers[0]!.state, 'CONTAINER_CREATED');
  c.state = 'CONTAINER_RUNNING';
  const after = lc.responseDeserialize(lc.responseSerialize(containersResponse([c]))) as { containers: { state: string; labels: Record<string, string> }[] };
  assert.equal(after.containers[0]!.state, 'CONTAINER_RUNNING');
  c.config = { ...c.config, labels: { l: 'new' } };
  const relabelled = lc.responseDeserialize(lc.responseSerialize(containersResponse([c]))) as { containers: { labels: Record<string, string> }[] };
  assert.deepEqual(relabelled.containers[0]!.labels, { l: 'new' });
  s.state = 'SANDBOX_NOTREADY';
  const pods = lp.responseDeserialize(lp.responseSerialize(sandboxesResponse([s]))) as { items: { state: string }[] };
  assert.equal(pods.items[0]!.state, 'SANDBOX_NOTREADY');
});

test('the list field of a pre-encoded answer reads as the converted records', () => {
  const cs = [container(4), container(5)];
  const ps = [sandbox(4)];
  assert.deepEqual(containersResponse(cs).containers, cs.map(containerToCri));
  assert.deepEqual(sandboxesResponse(ps).items, ps.map(podSandboxToCri));
  assert.deepEqual(sandboxesResponse([]).items, []);
});
