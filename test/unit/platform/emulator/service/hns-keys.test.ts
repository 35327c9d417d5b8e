import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hnsKeys } from '../../../../../src/platform/emulator/service/hns-keys.js';
import type { NetworkEmulator } from '../../../../../src/platform/emulator/service/network.js';

const EP = '0f3c2a10-1111-4222-8333-944455556666';
const NS = '7a7a7a7a-1111-4222-8333-944455556666';
const OLD = '9b9b9b9b-1111-4222-8333-944455556666';
const fake = {
  namespaceOfEndpoint: (id: string) => (id.replace(/[{}]/g, '').toLowerCase() === EP ? NS : undefined),
  endpointsInNamespace: () => [EP],
  pendingVethsOf: () => [OLD],
} as unknown as NetworkEmulator;

test('HNS lock keys: one object is one key however its id is written; a namespace delete also locks its pending veths\' endpoints', () => {
  const a = hnsKeys(fake, 'deleteEndpoint', { id: `{${EP.toUpperCase()}}` });
  const b = hnsKeys(fake, 'modifyNamespace', { id: NS, request: { RequestType: 'Add', Settings: { EndpointId: EP } } });
  assert.deepEqual(a, [`ep:${EP}`, `ns:${NS}`]);
  assert.ok(b.includes(`ep:${EP}`), 'the braced upper-case id and the plain id share the endpoint key');
  assert.deepEqual(hnsKeys(fake, 'deleteNamespace', { id: `{${NS}}` }), [`ns:${NS}`, `ep:${EP}`, `ep:${OLD}`]);
});
