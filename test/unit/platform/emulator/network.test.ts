import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setup, rejectsWith, another } from './helpers.js';

test('emulator network: networks, endpoints, namespaces bookkeeping with HCN errors', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const n = env.platform.network;
  const netId = randomUUID();
  await rejectsWith(n.createNetwork(netId, { Type: 'NAT', Bogus: true } as never), 'HCN_E_INVALID_JSON');
  const net = await n.createNetwork(netId, { Name: 'nat', Type: 'NAT', Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.0.0.0/24' }] }] });
  assert.equal(net.ID, netId);
  await rejectsWith(n.createNetwork(randomUUID(), { Name: 'nat', Type: 'NAT' }), 'HCN_E_NETWORK_ALREADY_EXISTS');
  await rejectsWith(n.queryNetwork(randomUUID()), 'HCN_E_NETWORK_NOT_FOUND');
  assert.deepEqual((await n.enumerateNetworks({ Filter: JSON.stringify({ Name: 'nat' }) })).map((x) => x.ID), [netId]);

  const epId = randomUUID();
  await rejectsWith(n.createEndpoint(randomUUID(), epId, {}), 'HCN_E_NETWORK_NOT_FOUND');
  const ep = await n.createEndpoint(netId, epId, { Name: 'ep1', IpConfigurations: [{ IpAddress: '10.0.0.5', PrefixLength: 24 }] });
  assert.equal(ep.HostComputeNetwork, netId);
  await rejectsWith(n.queryEndpoint(randomUUID()), 'HCN_E_ENDPOINT_NOT_FOUND');
  await rejectsWith(n.queryEndpointStats(randomUUID()), 'HCN_E_ENDPOINT_NOT_FOUND');
  const idle = await n.queryEndpointStats(epId.toUpperCase());
  assert.equal(idle.EndpointID, epId, 'an endpoint not attached yet: its own id');
  assert.equal((idle.BytesReceived ?? 0) + (idle.BytesSent ?? 0), 0, 'and no traffic');

  const nsId = randomUUID();
  const ns = await n.createNamespace(nsId, { SchemaVersion: { Major: 2, Minor: 0 } });
  assert.equal(ns.ID, nsId);
  assert.ok(typeof ns.NamespaceId === 'number');
  const add = { ResourceType: 'Endpoint', RequestType: 'Add', Settings: { EndpointId: epId } } as const;
  await rejectsWith(n.modifyNamespace(randomUUID(), add), 'ERROR_NOT_FOUND');
  await rejectsWith(n.modifyNamespace(nsId, { ...add, Settings: { EndpointId: randomUUID() } }), 'HCN_E_ENDPOINT_NOT_FOUND');
  await rejectsWith(n.modifyNamespace(nsId, { ...add, Settings: { EndpointId: 7 } } as never), 'HCN_E_INVALID_JSON');
  await n.modifyNamespace(nsId, add);
  await rejectsWith(n.modifyNamespace(nsId, add), 'HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS');
  assert.equal((await n.queryEndpoint(epId)).HostComputeNamespace, nsId);
  assert.deepEqual((await n.queryNamespace(nsId)).Resources, [{ Type: 'Endpoint', Data: { ID: epId } }]);
  await rejectsWith(n.deleteNetwork(netId), 'HCN_E_ENTITY_HAS_REFERENCES');

  // Persisted and shared: a second client sees the same records.
  const other = await another(env);
  assert.deepEqual((await other.network.enumerateEndpoints({ Filter: JSON.stringify({ VirtualNetwork: netId }) })).map((x) => x.ID), [epId]);

  await n.modifyNamespace(nsId, { ...add, RequestType: 'Remove' });
  assert.equal((await n.queryEndpoint(epId)).HostComputeNamespace, undefined);
  assert.deepEqual((await n.queryNamespace(nsId)).Resources, []);
  await n.deleteNamespace(nsId);
  await rejectsWith(n.deleteNamespace(nsId), 'ERROR_NOT_FOUND');
  await rejectsWith(n.queryNamespace(nsId), 'ERROR_NOT_FOUND');
  await n.deleteEndpoint(epId);
  await n.deleteNetwork(netId);
  assert.deepEqual(await n.enumerateNetworks(), []);
});
