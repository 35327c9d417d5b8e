import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../../../src/platform/schema.js';
import {
  HostComputeNetwork, HostComputeEndpoint, HostComputeNamespace, ModifyNamespaceSettingRequest,
  ModifyEndpointSettingRequest, ModifyNetworkSettingRequest, HcnQuery, EndpointPolicy,
} from '../../../../src/platform/hcn/schema/index.js';
import { buildNamespace, buildNamespaceEndpointRequest, buildIdQuery } from '../../../../src/platform/hcn/document/index.js';

function ok(schema: Parameters<typeof validate>[0], doc: unknown) {
  const r = validate(schema, doc);
  assert.ok(r.ok, r.ok ? '' : `${r.problem.path}: ${r.problem.message}`);
}
function bad(schema: Parameters<typeof validate>[0], doc: unknown): { path: string; message: string } {
  const r = validate(schema, doc);
  assert.equal(r.ok, false, 'expected the document to be rejected');
  return (r as { ok: false; problem: { path: string; message: string } }).problem;
}

const guid = '2f6a6a9c-3d2e-4c57-9b7e-0d1e2f3a4b5c';

test('namespace builders produce valid documents', () => {
  const ns = buildNamespace();
  ok(HostComputeNamespace, ns);
  assert.deepEqual(ns, { SchemaVersion: { Major: 2, Minor: 0 }, Type: 'Host' });
  assert.equal(buildNamespace({ readyOnCreate: true }).ReadyOnCreate, true);
  const add = buildNamespaceEndpointRequest(guid, 'Add');
  ok(ModifyNamespaceSettingRequest, add);
  assert.deepEqual(add, { ResourceType: 'Endpoint', RequestType: 'Add', Settings: { EndpointId: guid } });
  assert.equal(buildNamespaceEndpointRequest(guid, 'Remove').RequestType, 'Remove');
  const q = buildIdQuery(guid);
  ok(HcnQuery, q);
  assert.deepEqual(JSON.parse(q.Filter!), { ID: guid });
});

test('namespace documents as HNS returns them', () => {
  ok(HostComputeNamespace, {
    ID: guid, NamespaceId: 12, Type: 'Host', SchemaVersion: { Major: 2, Minor: 0 },
    Resources: [{ Type: 'Endpoint', Data: { ID: guid } }, { Type: 'Container', Data: { ID: 'c1' } }],
  });
  assert.equal(bad(HostComputeNamespace, { Type: 'Pod' }).path, 'Type');
  assert.equal(bad(HostComputeNamespace, { Resources: [{ Type: 'Endpoint', Data: { EndpointId: guid } }] }).path, 'Resources[0].Data.EndpointId');
  assert.equal(bad(HostComputeNamespace, { Id: guid }).path, 'Id'); // the wire spelling is ID
  // The add/remove shape is {EndpointId}, not the {ID} read shape.
  assert.equal(bad(ModifyNamespaceSettingRequest, { ResourceType: 'Endpoint', RequestType: 'Add', Settings: { ID: guid } }).path, 'Settings.ID');
  assert.equal(bad(ModifyNamespaceSettingRequest, { ResourceType: 'Endpoint', RequestType: 'Attach' }).path, 'RequestType');
});

test('network documents', () => {
  const net = {
    Name: 'cbr0', Type: 'L2Bridge', Flags: 8, SchemaVersion: { Major: 2, Minor: 0 },
    Ipams: [{ Type: 'Static', Subnets: [{
      IpAddressPrefix: '10.244.1.0/24',
      Routes: [{ NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' }],
      Policies: [{ Type: 'VLAN', Settings: { IsolationId: 7 } }],
    }] }],
    Policies: [
      { Type: 'NetAdapterName', Settings: { NetworkAdapterName: 'Ethernet' } },
      { Type: 'RemoteSubnetRoute', Settings: { DestinationPrefix: '10.244.2.0/24', IsolationId: 4096, ProviderAddress: '192.168.1.12', DistributedRouterMacAddress: '00-15-5D-01-02-03' } },
      { Type: 'HostRoute', Settings: {} },
    ],
    MacPool: { Ranges: [{ StartMacAddress: '00-15-5D-52-C0-00', EndMacAddress: '00-15-5D-52-CF-FF' }] },
    Dns: { Domain: 'cluster.local', ServerList: ['10.96.0.10'], Search: ['svc.cluster.local'] },
  };
  ok(HostComputeNetwork, net);
  assert.equal(bad(HostComputeNetwork, { ...net, Type: 'Bridge' }).path, 'Type');
  assert.equal(bad(HostComputeNetwork, { Ipams: [{ Subnets: [{ Routes: [{ Metric: 70000 }] }] }] }).path, 'Ipams[0].Subnets[0].Routes[0].Metric');
  assert.equal(bad(HostComputeNetwork, { Policies: [{ Type: 'VxlanPort', Settings: { Port: 'x' } }] }).path, 'Policies[0].Settings.Port');
  ok(ModifyNetworkSettingRequest, { ResourceType: 'Policy', RequestType: 'Add', Settings: { Policies: [] } });
});

test('endpoint documents and policies', () => {
  const ep = {
    Name: 'pod1_cbr0', HostComputeNetwork: guid, SchemaVersion: { Major: 2, Minor: 0 },
    IpConfigurations: [{ IpAddress: '10.244.1.5', PrefixLength: 24 }],
    Routes: [{ NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' }],
    Dns: { ServerList: ['10.96.0.10'] },
    MacAddress: '00-15-5D-52-C0-05',
    Policies: [
      { Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 80, ExternalPort: 8080, Flags: 1 } },
      { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } },
      { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
      { Type: 'ACL', Settings: { Action: 'Allow', Direction: 'In', Protocols: '6', LocalPorts: '80', RuleType: 'Switch', Priority: 200 } },
      { Type: 'L2Driver', Settings: { Whatever: 1 } }, // settings not modelled: any object
    ],
  };
  ok(HostComputeEndpoint, ep);
  assert.equal(bad(HostComputeEndpoint, { IpConfigurations: [{ PrefixLength: 33.5 }] }).path, 'IpConfigurations[0].PrefixLength');
  assert.equal(bad(EndpointPolicy, { Type: 'PortMapping', Settings: { InternalPort: 70000 } }).path, 'Settings.InternalPort');
  assert.equal(bad(EndpointPolicy, { Type: 'PortMapping', Settings: { Port: 1 } }).path, 'Settings.Port');
  assert.equal(bad(EndpointPolicy, { Type: 'ACL', Settings: { Action: 'Deny' } }).path, 'Settings.Action');
  assert.equal(bad(EndpointPolicy, { Type: 'SDNROUTE' }).path, 'Type');
  assert.equal(bad(EndpointPolicy, { Settings: {} }).path, 'Type');
  assert.equal(bad(HostComputeEndpoint, { Policies: [{ Type: 'OutBoundNAT', Settings: { Exceptions: '10.0.0.0/8' } }] }).path, 'Policies[0].Settings.Exceptions');
  ok(ModifyEndpointSettingRequest, { ResourceType: 'Policy', RequestType: 'Update', Settings: { Policies: [{ Type: 'ACL', Settings: { Action: 'Block', Direction: 'Out' } }] } });
  assert.equal(bad(ModifyEndpointSettingRequest, { ResourceType: 'Policy', RequestType: 'Update', Settings: { Policies: [{ Type: 'ACL', Settings: { Direction: 'Both' } }] } }).path,
    'Settings.Policies[0].Settings.Direction');
});

test('queries', () => {
  ok(HcnQuery, { SchemaVersion: { Major: 2, Minor: 0 }, Flags: 1, Filter: '{"Name":"cbr0"}' });
  assert.equal(bad(HcnQuery, { Filter: { Name: 'cbr0' } }).path, 'Filter');
});
