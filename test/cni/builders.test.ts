/** HCN documents the plugin and the agent build are valid HNS v2 documents (hcsshim field names). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../src/platform/schema.js';
import { HostComputeNetwork, HostComputeEndpoint, PolicyNetworkRequest, ModifyNetworkSettingRequest } from '../../src/platform/hcn/schema/index.js';
import {
  buildNatNetwork, buildOverlayNetwork, buildL2BridgeNetwork, buildEndpoint, overlayMacAddress, portMappingPolicy,
  outboundNatPolicy, sdnRoutePolicy, providerAddressPolicy, remoteSubnetRoutePolicy, buildNetworkPolicyRequest,
  networkGateway, networkSubnet, networkVni, protocolNumber,
} from '../../src/platform/hcn/document/index.js';

const ok = (schema: Parameters<typeof validate>[0], doc: unknown) => {
  const r = validate(schema, doc);
  assert.ok(r.ok, r.ok ? '' : `${r.problem.path}: ${r.problem.message}`);
};

test('network documents validate and carry gateway, subnet, VNI where readers look for them', () => {
  const nat = buildNatNetwork({ name: 'nat', subnet: '172.16.0.0/16', gateway: '172.16.0.1' });
  const ov = buildOverlayNetwork({ name: 'vxlan0', subnet: '10.244.1.0/24', gateway: '10.244.1.1', vni: 4096, vxlanPort: 4789, adapterName: 'Ethernet', providerAddress: '192.168.1.5' });
  const l2 = buildL2BridgeNetwork({ name: 'cbr0', subnet: '10.0.0.0/16', gateway: '10.0.0.1', adapterName: 'Ethernet 2' });
  for (const n of [nat, ov, l2]) ok(HostComputeNetwork, n);
  assert.equal(nat.Type, 'NAT');
  assert.equal(networkGateway(nat), '172.16.0.1');
  assert.equal(networkSubnet(ov), '10.244.1.0/24');
  assert.equal(networkVni(ov), 4096);
  assert.deepEqual(ov.Policies, [
    { Type: 'NetAdapterName', Settings: { NetworkAdapterName: 'Ethernet' } },
    { Type: 'VxlanPort', Settings: { Port: 4789 } },
    { Type: 'ProviderAddress', Settings: { ProviderAddress: '192.168.1.5' } },
  ]);
  assert.equal(ov.Flags, 8);
  assert.equal(l2.Type, 'L2Bridge');
});

test('endpoint documents and policies validate; MAC from the IPv4 octets; protocol numbers', () => {
  const ep = buildEndpoint({
    name: 'abc_vxlan0', networkId: '4b3c8e0e-0000-4000-8000-000000000001', ip: '10.244.1.7', prefixLength: 24, gateway: '10.244.1.1',
    routes: [{ DestinationPrefix: '10.20.0.0/16', NextHop: '10.244.1.254' }], dns: { ServerList: ['10.96.0.10'], Search: ['svc.cluster.local'] },
    macAddress: overlayMacAddress('10.244.1.7'),
    policies: [portMappingPolicy({ protocol: 6, internalPort: 80, externalPort: 8080, vip: '192.168.1.5', localRoutedVip: true }),
      outboundNatPolicy({ exceptions: ['10.244.0.0/16', '10.96.0.0/12'] }), sdnRoutePolicy('10.96.0.0/12'), providerAddressPolicy('192.168.1.5')],
  });
  ok(HostComputeEndpoint, ep);
  assert.equal(ep.MacAddress, '0E-2A-0A-F4-01-07');
  assert.deepEqual(ep.Routes![0], { NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' });
  assert.deepEqual(ep.Policies![0], { Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 80, ExternalPort: 8080, VIP: '192.168.1.5', Flags: 1 } });
  const bare = buildEndpoint({ name: 'x', networkId: 'n' });
  assert.deepEqual(bare, { SchemaVersion: { Major: 2, Minor: 0 }, Name: 'x', HostComputeNetwork: 'n' }, 'no IP: HNS allocates');
  assert.deepEqual([protocolNumber('TCP'), protocolNumber('udp'), protocolNumber('sctp')], [6, 17, undefined]);
});

test('RemoteSubnetRoute modify requests validate', () => {
  const p = remoteSubnetRoutePolicy({ destinationPrefix: '10.244.2.0/24', providerAddress: '192.168.1.12', isolationId: 4096, drMacAddress: '0E-AA-BB-CC-DD-EE' });
  const req = buildNetworkPolicyRequest('Add', [p]);
  ok(ModifyNetworkSettingRequest, req);
  ok(PolicyNetworkRequest, req.Settings);
  assert.deepEqual(p.Settings, { DestinationPrefix: '10.244.2.0/24', IsolationId: 4096, ProviderAddress: '192.168.1.12', DistributedRouterMacAddress: '0E-AA-BB-CC-DD-EE' });
});
