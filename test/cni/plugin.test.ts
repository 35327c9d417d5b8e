/** The plugin driven as a CNI runtime drives it, against a real emulator service: commands, versions, errors. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CniHarness } from './helpers.js';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
let h: CniHarness;
before(async () => { h = await CniHarness.start(); });
after(async () => { await h.stop(); });

// Distinct, unusual subnets per network: with root the emulator builds each network as a Linux bridge.
const OCTET: Record<string, number> = { natv: 150, natrace: 151, natidem: 152, natport: 153, natfull: 154, natboot: 155, natgc: 156, natstatus: 157, natbad: 158 };
const nat = (name: string, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = {}) => ({
  cniVersion: '1.1.0', name, type: 'nat', subnet: `10.${OCTET[name] ?? 149}.0.0/24`,
  ipam: { type: 'host-local', dataDir: h.dataDir, ...ipam },
  capabilities: { portMappings: true, dns: true },
  ...extra,
});
const claims = async (net: string) => (await readdir(join(h.dataDir, net)).catch(() => [] as string[])).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));

test('VERSION reports every supported version, echoing a supported requested version', async () => {
  for (const v of [...VERSIONS, '9.9.9']) {
    const r = await h.run({ command: 'VERSION', stdin: JSON.stringify({ cniVersion: v }) });
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(r.json.supportedVersions, VERSIONS);
    assert.equal(r.json.cniVersion, v === '9.9.9' ? '1.1.0' : v);
  }
  const empty = await h.run({ command: 'VERSION', stdin: '' });
  assert.equal(empty.code, 0);
  assert.deepEqual(empty.json.supportedVersions, VERSIONS);
});

test('ADD / CHECK / DEL for every spec version: result format, HNS endpoint, IPAM record, idempotent DEL', async () => {
  await Promise.all(VERSIONS.map(async (v, i) => {
    const ns = await h.namespace();
    const cid = `ver${i}`;
    const conf = {
      ...nat('natv'), cniVersion: v,
      dns: { nameservers: ['10.96.0.10'], search: ['{%namespace%}.svc.cluster.local', 'svc.cluster.local'], domain: 'cluster.local' },
      runtimeConfig: { portMappings: [{ hostPort: 18000 + i, containerPort: 80, protocol: 'tcp' }] },
    };
    const args = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=team;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=' + cid;
    const add = await h.run({ command: 'ADD', conf, containerId: cid, netns: ns, args });
    assert.equal(add.code, 0, add.stdout);
    const res = add.json;
    assert.equal(res.cniVersion, v);
    assert.deepEqual(res.interfaces.map((x: any) => [x.name, x.sandbox]), [['eth0', ns]]);
    assert.match(res.interfaces[0].mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(res.ips.length, 1);
    assert.match(res.ips[0].address, /^10\.150\.0\.\d+\/24$/);
    assert.equal(res.ips[0].gateway, '10.150.0.1');
    assert.equal(res.ips[0].interface, 0);
    if (v < '1.0.0') assert.equal(res.ips[0].version, '4'); else assert.equal('version' in res.ips[0], false);
    assert.deepEqual(res.routes, [{ dst: '0.0.0.0/0', gw: '10.150.0.1' }]);
    assert.deepEqual(res.dns, { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['team.svc.cluster.local', 'svc.cluster.local'] });

    const ep = await h.endpoint(`${cid}_natv`);
    assert.ok(ep, 'endpoint named <containerId>_<network>');
    assert.equal(ep.HostComputeNamespace, ns);
    assert.equal(ep.IpConfigurations?.[0]?.IpAddress, res.ips[0].address.split('/')[0]);
    assert.deepEqual(ep.Dns, { ServerList: ['10.96.0.10'], Search: ['team.svc.cluster.local', 'svc.cluster.local'], Domain: 'cluster.local' });
    assert.deepEqual(ep.Policies, [{ Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 80, ExternalPort: 18000 + i } }]);
    assert.deepEqual(ep.Routes, [{ NextHop: '10.150.0.1', DestinationPrefix: '0.0.0.0/0' }]);
    const nsDoc = await h.platform.network.queryNamespace(ns);
    assert.ok(nsDoc.Resources?.some((r) => r.Type === 'Endpoint' && r.Data?.ID === ep.ID));

    const check = await h.run({ command: 'CHECK', conf: { ...conf, prevResult: res }, containerId: cid, netns: ns, args });
    if (v < '0.4.0') {
      assert.equal(check.code, 1);
      assert.equal(check.json.code, 1, 'CHECK is not part of 0.3.x');
    } else {
      assert.equal(check.code, 0, check.stdout);
      assert.equal(check.stdout, '');
      const wrong = structuredClone(res);
      wrong.ips[0].address = '10.150.0.250/24';
      const bad = await h.run({ command: 'CHECK', conf: { ...conf, prevResult: wrong }, containerId: cid, netns: ns, args });
      assert.equal(bad.code, 1);
      assert.equal(bad.json.code, 103);
      const noPrev = await h.run({ command: 'CHECK', conf, containerId: cid, netns: ns, args });
      assert.equal(noPrev.json.code, 7);
    }

    const delConf = v >= '0.4.0' ? { ...conf, prevResult: res } : conf;
    const del = await h.run({ command: 'DEL', conf: delConf, containerId: cid, netns: ns, args });
    assert.equal(del.code, 0, del.stdout);
    assert.equal(del.stdout, '');
    assert.equal(await h.endpoint(`${cid}_natv`), undefined);
    assert.deepEqual((await h.platform.network.queryNamespace(ns)).Resources, []);
    const again = await h.run({ command: 'DEL', conf: delConf, containerId: cid, netns: ns, args });
    assert.equal(again.code, 0, 'DEL is idempotent');
    if (v >= '0.4.0') {
      const gone = await h.run({ command: 'CHECK', conf: { ...conf, prevResult: res }, containerId: cid, netns: ns, args });
      assert.equal(gone.json.code, 103, 'CHECK fails once the attachment is gone');
    }
  }));
  assert.deepEqual(await claims('natv'), [], 'every address released');
});

test('the NAT network is created once from the subnet, even by concurrent ADDs', async () => {
  const conf = nat('natrace', {}, {});
  const nss = await Promise.all(Array.from({ length: 8 }, () => h.namespace()));
  const adds = await Promise.all(nss.map((ns, i) => h.run({ command: 'ADD', conf, containerId: `race${i}`, netns: ns })));
  for (const a of adds) assert.equal(a.code, 0, a.stdout);
  const ips = adds.map((a) => a.json.ips[0].address);
  assert.equal(new Set(ips).size, 8, 'distinct addresses');
  const nets = (await h.platform.network.enumerateNetworks()).filter((n) => n.Name === 'natrace');
  assert.equal(nets.length, 1);
  assert.equal(nets[0]!.Type ?? 'NAT', 'NAT');
  assert.deepEqual(nets[0]!.Ipams, [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.151.0.0/24', Routes: [{ NextHop: '10.151.0.1', DestinationPrefix: '0.0.0.0/0' }] }] }]);
  assert.equal((await claims('natrace')).length, 8);
  await Promise.all(nss.map((ns, i) => h.run({ command: 'DEL', conf, containerId: `race${i}`, netns: ns })));
  assert.equal((await claims('natrace')).length, 0);
});

test('a repeated ADD returns the same attachment and creates nothing new', async () => {
  const ns = await h.namespace();
  const conf = nat('natidem');
  const a = await h.run({ command: 'ADD', conf, containerId: 'idem', netns: ns });
  const b = await h.run({ command: 'ADD', conf, containerId: 'idem', netns: ns });
  assert.equal(a.code, 0, a.stdout);
  assert.equal(b.code, 0, b.stdout);
  assert.deepEqual(b.json, a.json);
  const eps = (await h.platform.network.enumerateEndpoints()).filter((e) => e.Name === 'idem_natidem');
  assert.equal(eps.length, 1);
  assert.equal((await claims('natidem')).length, 1);
});

test('hostPort conflict surfaces HCN_E_PORT_ALREADY_EXISTS as a CNI error and leaks nothing', async () => {
  const conf = nat('natport', { runtimeConfig: { portMappings: [{ hostPort: 19080, containerPort: 8080, protocol: 'tcp' }] } });
  const [ns1, ns2] = [await h.namespace(), await h.namespace()];
  const a = await h.run({ command: 'ADD', conf, containerId: 'porta', netns: ns1 });
  assert.equal(a.code, 0, a.stdout);
  const b = await h.run({ command: 'ADD', conf, containerId: 'portb', netns: ns2 });
  assert.equal(b.code, 1);
  assert.equal(b.json.code, 101);
  assert.equal(b.json.cniVersion, '1.1.0');
  assert.match(b.json.msg, /HCN_E_PORT_ALREADY_EXISTS/);
  assert.match(b.json.details, /0x803b0013/);
  assert.equal(await h.endpoint('portb_natport'), undefined);
  assert.equal((await claims('natport')).length, 1, 'the failed ADD released its address');
  // UDP on the same port is a different mapping.
  const udp = await h.run({ command: 'ADD', conf: nat('natport', { runtimeConfig: { portMappings: [{ hostPort: 19080, containerPort: 53, protocol: 'udp' }] } }), containerId: 'portc', netns: ns2 });
  assert.equal(udp.code, 0, udp.stdout);
  const sctp = await h.run({ command: 'ADD', conf: nat('natport', { runtimeConfig: { portMappings: [{ hostPort: 19081, containerPort: 1, protocol: 'sctp' }] } }), containerId: 'portd', netns: await h.namespace() });
  assert.equal(sctp.json.code, 2, 'SCTP is an unsupported field, not silently dropped');
});

test('IPAM exhaustion is an error; a DEL frees an address for the next ADD', async () => {
  const conf = nat('natfull', {}, { rangeStart: '10.154.0.10', rangeEnd: '10.154.0.11' });
  const nss = [await h.namespace(), await h.namespace(), await h.namespace()];
  for (const i of [0, 1]) { const r = await h.run({ command: 'ADD', conf, containerId: `full${i}`, netns: nss[i] }); assert.equal(r.code, 0, r.stdout); }
  const third = await h.run({ command: 'ADD', conf, containerId: 'full2', netns: nss[2] });
  assert.equal(third.code, 1);
  assert.equal(third.json.code, 102);
  assert.match(third.json.msg, /no free address/);
  assert.equal(await h.endpoint('full2_natfull'), undefined);
  const status = await h.run({ command: 'STATUS', conf });
  assert.equal(status.json.code, 50, 'STATUS reports the exhausted range');
  assert.equal((await h.run({ command: 'DEL', conf, containerId: 'full0', netns: nss[0] })).code, 0);
  const retry = await h.run({ command: 'ADD', conf, containerId: 'full2', netns: nss[2] });
  assert.equal(retry.code, 0, retry.stdout);
  assert.equal(retry.json.ips[0].address, '10.154.0.10/24');
  assert.equal((await h.run({ command: 'STATUS', conf })).json.code, 50, 'full again');
  assert.equal((await h.run({ command: 'DEL', conf, containerId: 'full1', netns: nss[1] })).code, 0);
  const ready = await h.run({ command: 'STATUS', conf });
  assert.equal(ready.code, 0, ready.stdout);
});

test('HNS-allocated addresses (ipam type "") and runtimeConfig.dns overriding the conf', async () => {
  const ns = await h.namespace();
  const conf = {
    cniVersion: '1.0.0', name: 'nathns', type: 'nat', subnet: '10.159.0.0/24', ipam: { type: '' },
    dns: { nameservers: ['1.1.1.1'], search: ['conf.local'] },
    runtimeConfig: { dns: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] } },
  };
  const add = await h.run({ command: 'ADD', conf, containerId: 'hnsip', netns: ns });
  assert.equal(add.code, 0, add.stdout);
  assert.match(add.json.ips[0].address, /^10\.159\.0\.\d+\/24$/);
  assert.notEqual(add.json.ips[0].address, '10.159.0.1/24', 'never the gateway');
  assert.deepEqual(add.json.dns, { nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local'], options: ['ndots:5'] });
  const ep = await h.endpoint('hnsip_nathns');
  assert.deepEqual(ep!.Dns, { ServerList: ['10.96.0.10'], Search: ['default.svc.cluster.local'], Options: ['ndots:5'] });
  assert.equal((await h.run({ command: 'DEL', conf, containerId: 'hnsip', netns: ns })).code, 0);
});

test('DEL after a node reboot (HNS state gone) and with an empty CNI_NETNS succeeds and releases the address', async () => {
  const conf = nat('natboot');
  const ns = await h.namespace();
  assert.equal((await h.run({ command: 'ADD', conf, containerId: 'boot', netns: ns })).code, 0);
  // "Reboot": namespaces, endpoints and the NAT network are gone; the IPAM files on disk remain.
  const ep = await h.endpoint('boot_natboot');
  await h.platform.network.deleteEndpoint(ep!.ID!);
  await h.platform.network.deleteNamespace(ns);
  await h.platform.network.deleteNetwork((await h.network('natboot'))!.ID!);
  assert.equal((await claims('natboot')).length, 1);
  const del = await h.run({ command: 'DEL', conf, containerId: 'boot', netns: ns });
  assert.equal(del.code, 0, del.stdout);
  assert.equal((await claims('natboot')).length, 0);
  const empty = await h.run({ command: 'DEL', conf, containerId: 'boot', netns: '' });
  assert.equal(empty.code, 0, 'containerd sends CNI_NETNS="" when the namespace is gone');
  const unset = await h.run({ command: 'DEL', conf, containerId: 'never-added', env: { CNI_NETNS: undefined } });
  assert.equal(unset.code, 0);
});

test('GC removes attachments not listed as valid and leaves other endpoints alone', async () => {
  const conf = nat('natgc');
  const nss = [await h.namespace(), await h.namespace(), await h.namespace()];
  for (const [i, ns] of nss.entries()) assert.equal((await h.run({ command: 'ADD', conf, containerId: `gc${i}`, netns: ns })).code, 0);
  const net = await h.network('natgc');
  const foreign = await h.platform.network.createEndpoint(net!.ID!, '', { SchemaVersion: { Major: 2, Minor: 0 }, Name: 'kube-proxy-source-vip', HostComputeNetwork: net!.ID!, IpConfigurations: [{ IpAddress: '10.156.0.200', PrefixLength: 24 }] });
  const old = await h.run({ command: 'GC', conf: { ...conf, cniVersion: '1.0.0', 'cni.dev/valid-attachments': [] } });
  assert.equal(old.json.code, 1, 'GC needs spec 1.1.0');
  const gc = await h.run({ command: 'GC', conf: { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'gc1', ifname: 'eth0' }] } });
  assert.equal(gc.code, 0, gc.stdout);
  assert.equal(await h.endpoint('gc0_natgc'), undefined);
  assert.equal(await h.endpoint('gc2_natgc'), undefined);
  assert.ok(await h.endpoint('gc1_natgc'));
  assert.ok(await h.platform.network.queryEndpoint(foreign.ID!), 'endpoints not named by the plugin survive');
  assert.equal((await claims('natgc')).length, 1);
  await h.platform.network.deleteEndpoint(foreign.ID!);
});

test('STATUS: ready, wrong version, HNS unreachable', async () => {
  const conf = nat('natstatus');
  const ok = await h.run({ command: 'STATUS', conf });
  assert.equal(ok.code, 0, ok.stdout);
  assert.equal(ok.stdout, '');
  const old = await h.run({ command: 'STATUS', conf: { ...conf, cniVersion: '1.0.0' } });
  assert.equal(old.json.code, 1);
  const dir = await mkdtemp(join(tmpdir(), 'wincri-cni-nohns-'));
  try {
    const down = await h.run({ command: 'STATUS', conf, env: { WINCRI_EMULATOR_STATE_DIR: dir, WINCRI_CNI_CONNECT_TIMEOUT_MS: '300' } });
    assert.equal(down.code, 1);
    assert.equal(down.json.code, 50);
    const add = await h.run({ command: 'ADD', conf, containerId: 'x', netns: await h.namespace(), env: { WINCRI_EMULATOR_STATE_DIR: dir, WINCRI_CNI_CONNECT_TIMEOUT_MS: '300' } });
    assert.equal(add.json.code, 11, 'ADD without HNS: try again later');
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('errors: decoding, configuration, environment, versions, unknown namespace', async () => {
  const ns = await h.namespace();
  const cases: [string, Parameters<CniHarness['run']>[0], number, RegExp?][] = [
    ['bad JSON', { command: 'ADD', stdin: '{"cniVersion":', containerId: 'e', netns: ns }, 6],
    ['no name', { command: 'ADD', conf: { cniVersion: '1.1.0', type: 'nat' }, containerId: 'e', netns: ns }, 7, /name/],
    ['no type', { command: 'ADD', conf: { cniVersion: '1.1.0', name: 'x' }, containerId: 'e', netns: ns, binary: 'nat' }, 7, /type/],
    ['unknown mode', { command: 'ADD', conf: { cniVersion: '1.1.0', name: 'x', type: 'wincri-cni', mode: 'transparent' }, containerId: 'e', netns: ns }, 7],
    ['bad subnet', { command: 'ADD', conf: nat('natbad', { subnet: '10.158.0.0/33' }), containerId: 'e', netns: ns }, 7],
    ['old version', { command: 'ADD', conf: nat('natbad', { cniVersion: '0.2.0' }), containerId: 'e', netns: ns }, 1],
    ['future version', { command: 'ADD', conf: nat('natbad', { cniVersion: '2.0.0' }), containerId: 'e', netns: ns }, 1],
    ['no CNI_COMMAND', { command: '', conf: nat('natbad') }, 4],
    ['unknown command', { command: 'FROB', conf: nat('natbad') }, 4, /FROB/],
    ['no CNI_NETNS on ADD', { command: 'ADD', conf: nat('natbad'), containerId: 'e' }, 4, /CNI_NETNS/],
    ['no CNI_CONTAINERID on DEL', { command: 'DEL', conf: nat('natbad') }, 4, /CNI_CONTAINERID/],
    ['netns not a GUID', { command: 'ADD', conf: nat('natbad'), containerId: 'e', netns: '/var/run/netns/x' }, 4],
    ['unknown namespace', { command: 'ADD', conf: nat('natbad'), containerId: 'e', netns: '0b9b1c8e-1111-4a4a-9c9c-123456789abc' }, 3],
    ['bad CNI_ARGS', { command: 'ADD', conf: nat('natbad'), containerId: 'e', netns: ns, args: 'novalue' }, 4],
    ['unknown ipam', { command: 'ADD', conf: nat('natbad', {}, { type: 'dhcp' }), containerId: 'e', netns: ns }, 7],
  ];
  const replies = await Promise.all(cases.map((c) => h.run(c[1])));
  cases.forEach(([what, c, code, msg], i) => {
    const r = replies[i]!;
    assert.equal(r.code, 1, `${what}: exit code`);
    assert.equal(r.json?.code, code, `${what}: ${r.stdout}`);
    assert.equal(typeof r.json.msg, 'string');
    const v = (c.conf as { cniVersion?: string } | undefined)?.cniVersion;
    if (v) assert.equal(r.json.cniVersion, v, `${what}: error carries the config's version`);
    if (msg) assert.match(r.json.msg, msg, what);
  });
  assert.equal(await h.network('natbad'), undefined, 'failed ADDs created no network');
  assert.deepEqual((await h.platform.network.queryNamespace(ns)).Resources, []);
});
