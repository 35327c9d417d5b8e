/** overlay and l2bridge (IPAM and EKS annotation) modes: HNS documents as hcsshim names them. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CniHarness, FakeKube } from './helpers.js';

let h: CniHarness;
let kube: FakeKube;
let kubeconfig: string;
before(async () => {
  h = await CniHarness.start();
  kube = new FakeKube();
  await kube.start();
  kubeconfig = await kube.kubeconfig(h.dir);
});
after(async () => { await kube.stop(); await h.stop(); });

test('overlay: VXLAN network with VNI and UDP port; endpoint OutBoundNAT exceptions, SDNRoute, ProviderAddress, MAC', async () => {
  const conf = {
    cniVersion: '1.0.0', name: 'vxlan0', type: 'overlay', subnet: '10.161.1.0/24', vni: 4701, vxlanPort: 4789,
    providerAddress: '192.168.50.11', clusterCIDR: '10.161.0.0/16', serviceCIDR: '10.96.0.0/12',
    ipam: { type: 'host-local', dataDir: h.dataDir },
    runtimeConfig: { portMappings: [{ hostPort: 30080, containerPort: 80, protocol: 'tcp', hostIP: '192.168.50.11' }] },
  };
  const ns = await h.namespace();
  const add = await h.run({ command: 'ADD', conf, containerId: 'ov1', netns: ns });
  assert.equal(add.code, 0, add.stdout);
  assert.equal(add.json.ips[0].address, '10.161.1.3/24', '.1 gateway and .2 source VIP are reserved');
  assert.equal(add.json.ips[0].gateway, '10.161.1.1');
  assert.equal(add.json.interfaces[0].mac, '0e:2a:0a:a1:01:03');
  const net = await h.network('vxlan0');
  assert.equal(net!.Type, 'Overlay');
  assert.equal(net!.Flags, 8, 'EnableNonPersistent');
  const subnet = net!.Ipams![0]!.Subnets![0]!;
  assert.equal(subnet.IpAddressPrefix, '10.161.1.0/24');
  assert.deepEqual(subnet.Policies, [{ Type: 'VSID', Settings: { IsolationId: 4701 } }]);
  assert.deepEqual(subnet.Routes, [{ NextHop: '10.161.1.1', DestinationPrefix: '0.0.0.0/0' }]);
  assert.deepEqual(net!.Policies!.find((p) => p.Type === 'VxlanPort'), { Type: 'VxlanPort', Settings: { Port: 4789 } });
  const ep = await h.endpoint('ov1_vxlan0');
  assert.equal(ep!.MacAddress, '0E-2A-0A-A1-01-03');
  assert.deepEqual(ep!.Policies, [
    { Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 80, ExternalPort: 30080, VIP: '192.168.50.11' } },
    { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.161.0.0/16', '10.96.0.0/12'] } },
    { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
    { Type: 'ProviderAddress', Settings: { ProviderAddress: '192.168.50.11' } },
  ]);
  assert.equal((await h.run({ command: 'CHECK', conf: { ...conf, prevResult: add.json }, containerId: 'ov1', netns: ns })).code, 0);
  assert.equal((await h.run({ command: 'DEL', conf, containerId: 'ov1', netns: ns })).code, 0);
  assert.equal(await h.endpoint('ov1_vxlan0'), undefined);
});

test('overlay: the provider address comes from the network when the conf has none; VNI below 4096 is rejected', async () => {
  const bad = await h.run({ command: 'ADD', conf: { cniVersion: '1.1.0', name: 'ovx', type: 'overlay', subnet: '10.164.0.0/24', vni: 1, ipam: { type: 'host-local', dataDir: h.dataDir } }, containerId: 'x', netns: await h.namespace() });
  assert.equal(bad.json.code, 7);
  assert.match(bad.json.msg, /4096/);
  // Network created without a provider address in the conf: HNS (the emulator) adds one to overlay networks.
  const conf = { cniVersion: '1.1.0', name: 'ovpa', type: 'overlay', vni: 4702, subnet: '10.165.0.0/24', ipam: { type: 'host-local', dataDir: h.dataDir } };
  const ns = await h.namespace();
  const add = await h.run({ command: 'ADD', conf, containerId: 'pa', netns: ns });
  assert.ok(add.code === 0 || add.json.code === 11, add.stdout);
  const net = await h.network('ovpa');
  const pa = (net!.Policies ?? []).find((p) => p.Type === 'ProviderAddress')?.Settings as { ProviderAddress?: string } | undefined;
  if (pa?.ProviderAddress) {
    assert.equal(add.code, 0, add.stdout);
    const ep = await h.endpoint('pa_ovpa');
    assert.deepEqual(ep!.Policies!.find((p) => p.Type === 'ProviderAddress'), { Type: 'ProviderAddress', Settings: { ProviderAddress: pa.ProviderAddress } });
  } else {
    assert.equal(add.json.code, 11, 'no provider address anywhere: try again later');
    assert.equal(await h.endpoint('pa_ovpa'), undefined);
  }
  await h.run({ command: 'DEL', conf, containerId: 'pa', netns: ns });
});

test('l2bridge with host-local IPAM: adapter, OutBoundNAT exceptions, service and node SDNRoutes, extra routes', async () => {
  const conf = {
    cniVersion: '0.4.0', name: 'cbr0', type: 'l2bridge', subnet: '10.166.4.0/24', gateway: '10.166.4.1', networkAdapterName: 'Ethernet 2',
    clusterCIDR: ['10.166.0.0/16'], serviceCIDR: '10.96.0.0/12', nodeIP: '10.166.0.5', outboundNatExceptions: ['172.16.0.0/12'],
    additionalRoutes: [{ dst: '10.167.0.0/16', gw: '10.166.4.254' }],
    ipam: { type: 'host-local', dataDir: h.dataDir },
    dns: { nameservers: ['10.96.0.10'], search: ['{%namespace%}.svc.cluster.local'] },
  };
  const ns = await h.namespace();
  const add = await h.run({ command: 'ADD', conf, containerId: 'l2a', netns: ns, args: 'K8S_POD_NAMESPACE=prod;K8S_POD_NAME=api' });
  assert.equal(add.code, 0, add.stdout);
  assert.equal(add.json.ips[0].version, '4');
  assert.equal(add.json.ips[0].address, '10.166.4.3/24');
  assert.deepEqual(add.json.routes, [{ dst: '0.0.0.0/0', gw: '10.166.4.1' }, { dst: '10.167.0.0/16', gw: '10.166.4.254' }]);
  assert.deepEqual(add.json.dns, { nameservers: ['10.96.0.10'], search: ['prod.svc.cluster.local'] });
  const net = await h.network('cbr0');
  assert.equal(net!.Type, 'L2Bridge');
  assert.deepEqual(net!.Policies!.find((p) => p.Type === 'NetAdapterName'), { Type: 'NetAdapterName', Settings: { NetworkAdapterName: 'Ethernet 2' } });
  const ep = await h.endpoint('l2a_cbr0');
  assert.deepEqual(ep!.Routes, [{ NextHop: '10.166.4.1', DestinationPrefix: '0.0.0.0/0' }, { NextHop: '10.166.4.254', DestinationPrefix: '10.167.0.0/16' }]);
  assert.deepEqual(ep!.Policies, [
    { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.166.0.0/16', '10.96.0.0/12', '172.16.0.0/12', '10.166.4.0/24'] } },
    { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
    { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.166.0.5/32', NeedEncap: true } },
  ]);
  assert.equal((await h.run({ command: 'DEL', conf: { ...conf, prevResult: add.json }, containerId: 'l2a', netns: ns })).code, 0);
});

test('l2bridge EKS mode: the address comes from the pod annotation on the API server', async () => {
  const conf = {
    cniVersion: '1.1.0', name: 'vpcbr', type: 'l2bridge', subnet: '10.160.0.0/16', gateway: '10.160.0.1', serviceCIDR: '172.20.0.0/16',
    eks: { kubeconfig, timeoutSeconds: 5 },
    runtimeConfig: { portMappings: [{ hostPort: 31000, containerPort: 8080 }] },
  };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', annotations: {} as Record<string, string> } };
  kube.pods.set('shop/web-1', pod);
  const ns = await h.namespace();
  // The resource controller annotates the pod a moment after the ADD starts: the plugin waits for it.
  setTimeout(() => { pod.metadata.annotations['vpc.amazonaws.com/PrivateIPv4Address'] = '10.160.37.17/16'; }, 400);
  const args = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;K8S_POD_INFRA_CONTAINER_ID=eks1';
  const add = await h.run({ command: 'ADD', conf, containerId: 'eks1', netns: ns, args });
  assert.equal(add.code, 0, add.stdout);
  assert.equal(add.json.ips[0].address, '10.160.37.17/16');
  assert.equal(add.json.ips[0].gateway, '10.160.0.1');
  const ep = await h.endpoint('eks1_vpcbr');
  assert.deepEqual(ep!.IpConfigurations, [{ IpAddress: '10.160.37.17', PrefixLength: 16 }]);
  assert.deepEqual(ep!.Policies![0], { Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 8080, ExternalPort: 31000, Flags: 1 } }, 'LocalRoutedVip');
  assert.equal((await h.run({ command: 'CHECK', conf: { ...conf, prevResult: add.json }, containerId: 'eks1', netns: ns, args })).code, 0);
  assert.equal((await h.run({ command: 'DEL', conf, containerId: 'eks1', netns: ns, args })).code, 0);

  kube.pods.set('shop/bare', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'shop' } });
  const missing = await h.run({ command: 'ADD', conf: { ...conf, eks: { kubeconfig, timeoutSeconds: 0.3 } }, containerId: 'eks2', netns: await h.namespace(), args: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=bare' });
  assert.equal(missing.json.code, 11);
  assert.match(missing.json.msg, /does not have annotation vpc\.amazonaws\.com\/PrivateIPv4Address/);
  assert.equal(await h.endpoint('eks2_vpcbr'), undefined);
  const noArgs = await h.run({ command: 'ADD', conf, containerId: 'eks3', netns: await h.namespace() });
  assert.equal(noArgs.json.code, 4);
  assert.match(noArgs.json.msg, /K8S_POD_NAME/);
});

test('a network of another type under the same name is a configuration error', async () => {
  const ns = await h.namespace();
  await h.run({ command: 'ADD', conf: { cniVersion: '1.1.0', name: 'shared', type: 'nat', subnet: '10.168.0.0/24', ipam: { type: 'host-local', dataDir: h.dataDir } }, containerId: 'n1', netns: ns });
  const r = await h.run({ command: 'ADD', conf: { cniVersion: '1.1.0', name: 'shared', type: 'wincri-cni', mode: 'overlay', subnet: '10.168.0.0/24', providerAddress: '10.1.1.1', ipam: { type: 'host-local', dataDir: h.dataDir } }, containerId: 'n2', netns: await h.namespace() });
  assert.equal(r.json.code, 7);
  assert.match(r.json.msg, /type NAT/);
  await h.run({ command: 'DEL', conf: { cniVersion: '1.1.0', name: 'shared', type: 'nat', ipam: { type: 'host-local', dataDir: h.dataDir } }, containerId: 'n1', netns: ns });
});
