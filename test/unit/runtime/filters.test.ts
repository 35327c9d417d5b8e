import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterContainers, filterSandboxes, labelsMatch } from '../../../src/runtime/filters.js';
import type { ContainerRecord, SandboxRecord } from '../../../src/runtime/model.js';
import { IdIndex } from '../../../src/runtime/ids.js';

const pod = (id: string, state: SandboxRecord['state'], labels: Record<string, string>) => ({ id, state, config: { labels } }) as unknown as SandboxRecord;
const ctr = (id: string, sandboxId: string, state: ContainerRecord['state'], labels: Record<string, string>) => ({ id, sandboxId, state, config: { labels } }) as unknown as ContainerRecord;

const P1 = 'aa11'.padEnd(64, '0');
const P2 = 'aa22'.padEnd(64, '0');
const C1 = 'cc11'.padEnd(64, '0');
const C2 = 'cc12'.padEnd(64, '0');
const C3 = 'dd33'.padEnd(64, '0');
const ix = new IdIndex();
[P1, P2, C1, C2, C3].forEach((i) => ix.add(i));
const resolve = (p: string) => { try { return ix.resolve(p); } catch { return undefined; } };

const pods = [pod(P1, 'SANDBOX_READY', { app: 'a', tier: 'web' }), pod(P2, 'SANDBOX_NOTREADY', { app: 'b' })];
const ctrs = [ctr(C1, P1, 'CONTAINER_RUNNING', { n: '1', x: 'y' }), ctr(C2, P1, 'CONTAINER_EXITED', { n: '2', x: 'y' }), ctr(C3, P2, 'CONTAINER_RUNNING', { n: '3' })];
const ids = (l: { id: string }[]) => l.map((x) => x.id);

test('label selector: every key present with an equal value', () => {
  assert.ok(labelsMatch({ a: '1', b: '2' }, { a: '1' }));
  assert.ok(labelsMatch({ a: '1' }, undefined));
  assert.ok(labelsMatch({ a: '1' }, {}));
  assert.ok(!labelsMatch({ a: '1' }, { a: '2' }));
  assert.ok(!labelsMatch({ a: '1' }, { a: '1', b: '' }));
});

test('sandbox filters: nil, id prefix, state, labels, ANDed; unknown and ambiguous ids match nothing', () => {
  assert.deepEqual(ids(filterSandboxes(pods, undefined, resolve)), [P1, P2]);
  assert.deepEqual(ids(filterSandboxes(pods, { id: 'aa2' }, resolve)), [P2]);
  assert.deepEqual(ids(filterSandboxes(pods, { id: P1 }, resolve)), [P1]);
  assert.deepEqual(ids(filterSandboxes(pods, { id: 'aa' }, resolve)), [], 'ambiguous');
  assert.deepEqual(ids(filterSandboxes(pods, { id: 'ffff' }, resolve)), []);
  assert.deepEqual(ids(filterSandboxes(pods, { state: 'SANDBOX_NOTREADY' }, resolve)), [P2]);
  assert.deepEqual(ids(filterSandboxes(pods, { labelSelector: { tier: 'web' } }, resolve)), [P1]);
  assert.deepEqual(ids(filterSandboxes(pods, { state: 'SANDBOX_NOTREADY', labelSelector: { tier: 'web' } }, resolve)), []);
});

test('container filters: id, pod (prefix), state, labels, ANDed', () => {
  assert.deepEqual(ids(filterContainers(ctrs, undefined, resolve)), [C1, C2, C3]);
  assert.deepEqual(ids(filterContainers(ctrs, { podSandboxId: 'aa1' }, resolve)), [C1, C2]);
  assert.deepEqual(ids(filterContainers(ctrs, { podSandboxId: 'aa1', state: 'CONTAINER_RUNNING' }, resolve)), [C1]);
  assert.deepEqual(ids(filterContainers(ctrs, { labelSelector: { x: 'y' } }, resolve)), [C1, C2]);
  assert.deepEqual(ids(filterContainers(ctrs, { id: 'cc12', labelSelector: { x: 'y' } }, resolve)), [C2]);
  assert.deepEqual(ids(filterContainers(ctrs, { id: 'cc1' }, resolve)), [], 'ambiguous prefix');
  assert.deepEqual(ids(filterContainers(ctrs, { podSandboxId: 'nope' }, resolve)), []);
  assert.deepEqual(ids(filterContainers(ctrs, { id: C3, podSandboxId: P1 }, resolve)), []);
});
