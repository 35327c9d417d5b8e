/** The endpoint document an ADD creates, built from the configuration alone (no HNS): policies, routes, DNS, MAC. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../src/platform/schema.js';
import { HostComputeEndpoint } from '../../src/platform/hcn/schema/index.js';
import { buildL2BridgeNetwork, buildOverlayNetwork } from '../../src/platform/hcn/document/index.js';
import { parseNetConf } from '../../cni/plugin/config.js';
import { CniError, CNI_ERR } from '../../cni/plugin/errors.js';
import { endpointDns, endpointDocument, endpointPolicies } from '../../cni/plugin/endpoint-doc.js';

const conf = (o: Record<string, unknown>) => parseNetConf(JSON.stringify({ cniVersion: '1.0.0', name: 'n', subnet: '10.7.1.0/24', ...o }));
const env = (ns?: string) => ({ args: new Map(ns ? [['K8S_POD_NAMESPACE', ns]] : []) });
const overlayNet = (pa?: string) => buildOverlayNetwork({ name: 'n', subnet: '10.7.1.0/24', gateway: '10.7.1.1', vni: 4096, vxlanPort: 4789, providerAddress: pa });

test('overlay: port mapping, OutBoundNAT, service SDNRoute, provider address in that order; MAC from the address', () => {
  const c = conf({
    type: 'overlay', providerAddress: '192.168.9.4', clusterCIDR: '10.7.0.0/16', serviceCIDR: '10.96.0.0/12',
    runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'udp' }] },
  });
  const policies = endpointPolicies(c, overlayNet());
  assert.deepEqual(policies, [
    { Type: 'PortMapping', Settings: { Protocol: 17, InternalPort: 80, ExternalPort: 8080 } },
    { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.7.0.0/16', '10.96.0.0/12'] } },
    { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
    { Type: 'ProviderAddress', Settings: { ProviderAddress: '192.168.9.4' } },
  ]);
  const doc = endpointDocument(c, env(), { name: 'c1_n', networkId: 'net-1', ip: '10.7.1.5', prefix: 24, gateway: '10.7.1.1' }, policies);
  const r = validate(HostComputeEndpoint, doc);
  assert.ok(r.ok, r.ok ? '' : `${r.problem.path}: ${r.problem.message}`);
  assert.equal(doc.Name, 'c1_n');
  assert.equal(doc.HostComputeNetwork, 'net-1');
  assert.deepEqual(doc.IpConfigurations, [{ IpAddress: '10.7.1.5', PrefixLength: 24 }]);
  assert.equal(doc.MacAddress, '0E-2A-0A-07-01-05');
  assert.deepEqual(doc.Policies, policies);
});

test('overlay: the provider address comes from the network when the configuration has none; neither is TryAgainLater', () => {
  const c = conf({ type: 'overlay' });
  assert.deepEqual(endpointPolicies(c, overlayNet('192.168.9.7')).at(-1), { Type: 'ProviderAddress', Settings: { ProviderAddress: '192.168.9.7' } });
  assert.throws(() => endpointPolicies(c, overlayNet()), (e: unknown) => e instanceof CniError && e.code === CNI_ERR.TryAgainLater && /no provider address/.test(e.message));
});

test('l2bridge: the network subnet joins the NAT exceptions once; a node SDNRoute; no MAC is chosen', () => {
  const c = conf({ type: 'l2bridge', clusterCIDR: '10.7.0.0/16', nodeIP: '192.168.9.2', outboundNatExceptions: ['10.7.0.0/16'] });
  const net = buildL2BridgeNetwork({ name: 'n', subnet: '10.7.1.0/24', gateway: '10.7.1.1' });
  const policies = endpointPolicies(c, net);
  assert.deepEqual(policies, [
    { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.7.0.0/16', '10.7.1.0/24'] } },
    { Type: 'SDNRoute', Settings: { DestinationPrefix: '192.168.9.2/32', NeedEncap: true } },
  ]);
  const doc = endpointDocument(c, env(), { name: 'c2_n', networkId: 'net-2', ip: '10.7.1.9', gateway: '10.7.1.1' }, policies);
  assert.equal(doc.MacAddress, undefined);
  assert.deepEqual(doc.IpConfigurations, [{ IpAddress: '10.7.1.9' }]);
});

test('routes: the default route is the gateway\'s; extra routes without a next hop go via the gateway', () => {
  const c = conf({ type: 'nat', additionalRoutes: [{ dst: '0.0.0.0/0', gw: '10.7.1.254' }, { dst: '172.20.0.0/16' }, { dst: '172.21.0.0/16', gw: '10.7.1.3' }] });
  const doc = endpointDocument(c, env(), { name: 'c3_n', networkId: 'net-3', gateway: '10.7.1.1' }, endpointPolicies(c, overlayNet()));
  assert.deepEqual(doc.Routes, [
    { NextHop: '10.7.1.1', DestinationPrefix: '0.0.0.0/0' },
    { DestinationPrefix: '172.20.0.0/16', NextHop: '10.7.1.1' },
    { DestinationPrefix: '172.21.0.0/16', NextHop: '10.7.1.3' },
  ]);
  assert.equal(doc.IpConfigurations, undefined, 'no address: HNS assigns one');
  assert.equal(doc.Policies, undefined);
});

test('DNS: servers, domain and options as configured; search domains get the pod namespace, relative ones are dropped', () => {
  const c = conf({ type: 'nat', dns: { nameservers: ['10.96.0.10'], search: ['{%namespace%}.svc.cluster.local', '.bad', 'svc.cluster.local'], domain: 'cluster.local', options: ['ndots:5'] } });
  const want = { ServerList: ['10.96.0.10'], Search: ['web.svc.cluster.local', 'svc.cluster.local'], Domain: 'cluster.local', Options: ['ndots:5'] };
  assert.deepEqual(endpointDns(c, env('web')), want);
  assert.deepEqual(endpointDocument(c, env('web'), { name: 'c4_n', networkId: 'net-4' }, []).Dns, want);
  assert.deepEqual(endpointDns(conf({ type: 'nat' }), env('web')), {});
});

test('a port mapping protocol HNS cannot map is UnsupportedField', () => {
  const c = conf({ type: 'nat', runtimeConfig: { portMappings: [{ hostPort: 9000, containerPort: 90, protocol: 'sctp' }] } });
  assert.throws(() => endpointPolicies(c, overlayNet()), (e: unknown) => e instanceof CniError && e.code === CNI_ERR.UnsupportedField && /sctp/.test(e.message));
});
