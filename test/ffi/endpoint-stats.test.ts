/**
 * HcnQueryEndpointStats through the koffi bindings against the C test library: the endpoint is opened, queried
 * with the default query and closed; the stats string is freed with CoTaskMemFree; failures carry the HRESULT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createWindowsPlatform } from '../../src/platform/windows/index.js';
import { parseEndpointStats } from '../../src/platform/hcn/document/index.js';
import { PlatformError, HRESULT } from '../../src/platform/hresult.js';
import { buildFakeLibrary, fakeLibraries, FakeControls } from './fakelib.js';

const so = buildFakeLibrary();
const fake = new FakeControls(so);
const libs = fakeLibraries(so);

test('ffi: HcnQueryEndpointStats — open, query, close; counters parsed; strings freed; missing endpoint is HCN_E_ENDPOINT_NOT_FOUND', async () => {
  fake.clearFails();
  const p = await createWindowsPlatform({ libraries: libs, host: { osVersion: '10.0.20348', architecture: 'amd64' } });
  const errors = fake.freeErrors();
  const netId = randomUUID();
  const epId = randomUUID();
  await p.network.createNetwork(netId, { Name: 'n', Type: 'NAT' } as never);
  await p.network.createEndpoint(netId, epId, { Name: 'e', HostComputeNetwork: netId } as never);
  fake.clearCalls();
  const first = parseEndpointStats(await p.network.queryEndpointStats(epId.toUpperCase()), epId);
  assert.deepEqual(fake.calls().map((c) => c.fn), ['HcnOpenEndpoint', 'HcnQueryEndpointStats', 'HcnCloseEndpoint']);
  assert.deepEqual(JSON.parse(fake.calls()[1]!.args[0]!), { SchemaVersion: { Major: 2, Minor: 0 } });
  assert.equal(first.endpointId, epId, 'the GUID reached the library field by field');
  const second = parseEndpointStats(await p.network.queryEndpointStats(epId), epId);
  assert.ok(second.rxBytes > first.rxBytes && second.txBytes > first.txBytes, 'counters come from the library, not a cache');
  assert.ok(second.rxDropped > first.rxDropped && second.txDropped > first.txDropped);

  fake.fail('HcnQueryEndpointStats', HRESULT.E_ACCESSDENIED);
  await assert.rejects(p.network.queryEndpointStats(epId), (e: unknown) => e instanceof PlatformError && e.code === 'E_ACCESSDENIED');
  assert.equal(fake.liveHandles(4), 0, 'endpoint handle closed after a failed query');
  await assert.rejects(p.network.queryEndpointStats(randomUUID()), (e: unknown) => e instanceof PlatformError && e.code === 'HCN_E_ENDPOINT_NOT_FOUND');
  await p.network.deleteEndpoint(epId);
  await p.network.deleteNetwork(netId);
  await p.close();
  assert.equal(fake.outstandingStrings(), 0);
  assert.equal(fake.freeErrors(), errors, fake.lastFreeError());
});
