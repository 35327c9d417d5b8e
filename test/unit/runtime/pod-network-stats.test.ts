import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceEndpointIds } from '../../../src/runtime/pod-network-stats.js';

test('pod network stats: the endpoints of an HNS namespace, in order, from Data.ID (or Data.Id as Go decodes it)', () => {
  assert.deepEqual(namespaceEndpointIds([
    { Type: 'Endpoint', Data: { ID: 'e1' } },
    { Type: 'Container', Data: { ID: 'c1' } },
    { Type: 'Endpoint', Data: { Id: 'e2' } },
    { Type: 'Endpoint', Data: null },
    { Type: 'Endpoint', Data: { ID: 7 } },
  ]), ['e1', 'e2']);
  assert.deepEqual(namespaceEndpointIds(undefined), []);
});
