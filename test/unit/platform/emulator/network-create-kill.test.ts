/**
 * HcnCreateNetwork is atomic across a kill -9 of the emulator service (network-networks.ts): a service killed after
 * it built a network's bridge and before it recorded the network leaves no bridge (nor nft table) behind — the
 * next service removes them from the journal at its start — so the network created again after the kill gets real
 * Linux networking instead of being bookkeeping only behind the leftover bridge's route (chaos found this: the
 * nat plugin's first pod, emulator killed mid-creation, every later round "bridge no HNS endpoint accounts for").
 * While it is being built the network is not listed, and its Linux objects count as the service's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, another, until, alive } from './helpers.js';
import { rootNetworkingSkipReason, freeSubnet, labelledObjects } from '../../../helpers/netns.js';
import { bridgeName, tableName } from '../../../../src/platform/emulator/service/linuxnet.js';

const skip = rootNetworkingSkipReason();

test('a service killed while it creates a network leaves no bridge; the network made again has real networking', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const sub = freeSubnet();
  const netId = randomUUID();
  const doc = {
    Name: `nat-${netId.slice(0, 6)}`, Type: 'NAT' as const,
    Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: sub.prefix, Routes: [{ NextHop: sub.gateway, DestinationPrefix: '0.0.0.0/0' }] }] }],
  };

  // Held once the bridge and its table are made, before the network is recorded.
  await env.platform.injectFault('HcnCreateNetwork:built', 0, 1, 600_000);
  const creating = env.platform.network.createNetwork(netId, doc);
  creating.catch(() => undefined);
  await until(() => readFileSync(join(stateDir, 'service.log'), 'utf8').includes('fault fired: HcnCreateNetwork:built'), 30_000);
  assert.ok(labelledObjects().links.includes(bridgeName(netId)), 'the bridge is made');
  assert.deepEqual((await env.platform.network.enumerateNetworks({})).filter((n) => n.ID === netId), [], 'not listed before it is created');
  assert.ok((await env.platform.network.settleRemovals!()).some((r) => r.name === bridgeName(netId)), 'the bridge being built is the service\'s own');

  // kill -9 there (the client first: it would start a new service on its own).
  const old = await env.platform.servicePid();
  await env.platform.close();
  process.kill(old, 'SIGKILL');
  await until(() => !alive(old));
  const next = await another(env);
  assert.ok(!labelledObjects().links.includes(bridgeName(netId)), 'the restarted service removed the bridge of the unfinished creation');
  assert.ok(!labelledObjects().tables.includes(tableName(netId)), 'and its nft table');
  assert.deepEqual(await next.network.settleRemovals!(), [], 'nothing left journalled');
  assert.deepEqual((await next.network.enumerateNetworks({})).filter((n) => n.ID === netId), [], 'the creation never happened');

  // Created again (as the CNI plugin does after the kill): real networking, not degraded by a leftover route.
  await next.network.createNetwork(netId, doc);
  const props = await next.compute.getServiceProperties() as { Networking?: { Degraded?: unknown[] } };
  assert.equal(props.Networking?.Degraded, undefined, `no degraded network: ${JSON.stringify(props.Networking)}`);
  assert.ok(labelledObjects().links.includes(bridgeName(netId)));
  await next.network.deleteNetwork(netId);
  assert.ok(!labelledObjects().links.includes(bridgeName(netId)), 'deleted with its network');
  assert.deepEqual(await next.network.settleRemovals!(), []);
});

test('a creation of the same network while one is being built waits for it and finds it there', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const sub = freeSubnet();
  const netId = randomUUID();
  const doc = { Name: `nat-${netId.slice(0, 6)}`, Type: 'NAT' as const, Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: sub.prefix }] }] };
  await env.platform.injectFault('HcnCreateNetwork:built', 0, 1, 600_000);
  const first = env.platform.network.createNetwork(netId, doc);
  await until(() => readFileSync(join(stateDir, 'service.log'), 'utf8').includes('fault fired: HcnCreateNetwork:built'), 30_000);
  const second = env.platform.network.createNetwork(randomUUID(), doc);
  second.catch(() => undefined);
  await env.platform.clearFaults('HcnCreateNetwork:built');
  assert.equal((await first).ID, netId);
  await assert.rejects(second, /already exists/);
  assert.equal((await env.platform.network.enumerateNetworks({})).filter((n) => n.Name === doc.Name).length, 1);
  await env.platform.network.deleteNetwork(netId);
});
