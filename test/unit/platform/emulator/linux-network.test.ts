/**
 * The emulator's real Linux networking (root only): HNS namespaces are network namespaces, endpoints veths on
 * the NAT network's bridge, PortMapping is DNAT (also from 127.0.0.1), container processes run in the pod's
 * namespace and see the endpoint's DNS settings; deleting the objects leaves nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setup, containerDoc, readAll } from './helpers.js';
import { rootNetworkingSkipReason, tcpServer, tcpGet, kill, freeSubnet, labelledObjects } from '../../../helpers/netns.js';
import { netnsName, bridgeName, vethName, tableName } from '../../../../src/platform/emulator/service/linuxnet.js';

const skip = rootNetworkingSkipReason();

test('emulator Linux networking: NAT network, endpoints in namespaces, port mapping, DNS, processes in the pod namespace, no leaks', { skip }, async (t) => {
  const env = await setup();
  const servers: Awaited<ReturnType<typeof tcpServer>>[] = [];
  t.after(async () => { for (const s of servers) await kill(s); await env.cleanup(); });
  const n = env.platform.network;
  const sub = freeSubnet();
  const netId = randomUUID();
  await n.createNetwork(netId, {
    Name: `nat-${netId.slice(0, 6)}`, Type: 'NAT',
    Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: sub.prefix, Routes: [{ NextHop: sub.gateway, DestinationPrefix: '0.0.0.0/0' }] }] }],
  });
  const hostPort = 20000 + Math.floor(Math.random() * 20000);
  const pods = [];
  for (let i = 0; i < 2; i++) {
    const nsId = randomUUID();
    const epId = randomUUID();
    await n.createNamespace(nsId, { SchemaVersion: { Major: 2, Minor: 0 }, Type: 'Host' });
    const ep = await n.createEndpoint(netId, epId, {
      Name: `${epId}_nat`,
      Dns: { ServerList: ['10.96.0.10'], Search: ['default.svc.cluster.local', 'svc.cluster.local'], Options: ['ndots:5'] },
      Policies: i === 1 ? [{ Type: 'PortMapping', Settings: { Protocol: 6, InternalPort: 8080, ExternalPort: hostPort } }] : [],
    });
    await n.modifyNamespace(nsId, { ResourceType: 'Endpoint', RequestType: 'Add', Settings: { EndpointId: epId } });
    pods.push({ nsId, epId, ip: ep.IpConfigurations![0]!.IpAddress!, netns: netnsName(nsId) });
  }
  const [a, b] = pods as [typeof pods[0], typeof pods[0]];
  assert.notEqual(a.ip, b.ip);
  assert.ok(a.ip.startsWith(`${sub.base}.`), `HNS-allocated address ${a.ip} is in ${sub.prefix}`);

  // Pod ↔ pod, pod → host (gateway), host → pod.
  servers.push(await tcpServer(b.netns, 8080, 'from-b'));
  servers.push(await tcpServer(undefined, 0 + hostPort + 1, 'from-host', sub.gateway));
  assert.equal(await tcpGet(a.netns, b.ip, 8080), 'from-b');
  assert.equal(await tcpGet(a.netns, sub.gateway, hostPort + 1), 'from-host');
  assert.equal(await tcpGet(undefined, b.ip, 8080), 'from-b');
  // hostPort → pod, from the host's loopback and from another pod through the host address.
  assert.equal(await tcpGet(undefined, '127.0.0.1', hostPort), 'from-b');
  assert.equal(await tcpGet(a.netns, sub.gateway, hostPort), 'from-b');

  // A container process of the pod runs in its namespace and sees the endpoint's DNS settings.
  const sysId = `c-${randomUUID()}`;
  const sys = await env.platform.compute.createComputeSystem(sysId, containerDoc({ Networking: { Namespace: a.nsId } }));
  await sys.start();
  const p = await sys.createProcess({ CommandLine: 'sh -c "cat /etc/resolv.conf; ip -4 -o addr show dev eth0"', CreateStdOutPipe: true, CreateStdErrPipe: true });
  const out = await readAll(p.stdio.stdout);
  assert.match(out, /nameserver 10\.96\.0\.10/);
  assert.match(out, /search default\.svc\.cluster\.local svc\.cluster\.local/);
  assert.match(out, /options ndots:5/);
  assert.ok(out.includes(`inet ${a.ip}/24`), out);
  // A program run directly (not through sh) whose name `ip` would misread as one of its commands ("cat" → tunnel).
  const cat = await sys.createProcess({ CommandLine: 'cat /etc/resolv.conf', CreateStdOutPipe: true, CreateStdErrPipe: true });
  const [catOut, catErr] = await Promise.all([readAll(cat.stdio.stdout), readAll(cat.stdio.stderr)]);
  assert.match(catOut, /nameserver 10\.96\.0\.10/, catErr);
  assert.equal(catErr, '');
  await sys.terminate();
  sys.close();

  const facts = await env.platform.compute.getServiceProperties() as { Networking?: { PacketsFlow?: boolean } };
  assert.equal(facts.Networking?.PacketsFlow, true);

  // Deleting everything leaves no namespace, veth, bridge or rule behind.
  for (const x of pods) {
    await n.deleteNamespace(x.nsId);
    await n.deleteEndpoint(x.epId);
  }
  await n.deleteNetwork(netId);
  assert.deepEqual(await n.settleRemovals!(), [], 'every removal finished');
  const left = labelledObjects();
  const ours = [...pods.flatMap((x) => [x.netns, vethName(x.epId)]), bridgeName(netId), tableName(netId)];
  assert.deepEqual(ours.filter((name) => left.netns.includes(name) || left.links.includes(name) || left.tables.includes(name)), []);
});

test('emulator Linux networking: deleting an endpoint removes its DNAT rules; an overlapping subnet is bookkeeping only', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const n = env.platform.network;
  const sub = freeSubnet();
  const netId = randomUUID();
  await n.createNetwork(netId, { Name: 'nat2', Type: 'NAT', Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: sub.prefix }] }] });
  const other = randomUUID();
  // A subnet already routed on this Linux host (another emulated host uses it) stays bookkeeping only.
  await n.createNetwork(other, { Name: 'nat3', Type: 'NAT', Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: sub.prefix }] }] });
  assert.ok(!labelledObjects().links.includes(bridgeName(other)), 'no second bridge for an overlapping subnet');
  await n.deleteNetwork(other);
  const epId = randomUUID();
  const port = 20000 + Math.floor(Math.random() * 20000);
  await n.createEndpoint(netId, epId, { Policies: [{ Type: 'PortMapping', Settings: { Protocol: 17, InternalPort: 53, ExternalPort: port } }] });
  const { execFileSync } = await import('node:child_process');
  const rules = () => execFileSync('nft', ['list', 'table', 'ip', tableName(netId)], { encoding: 'utf8' });
  assert.match(rules(), new RegExp(`udp dport ${port} dnat to`));
  await n.deleteEndpoint(epId);
  assert.doesNotMatch(rules(), new RegExp(`dport ${port}`));
  await n.deleteNetwork(netId);
  assert.ok(!labelledObjects().tables.includes(tableName(netId)));
});
