/**
 * Overlay networking across two simulated nodes (root only). Each node is a Linux network namespace made by this
 * test and runs its own wincri daemon (hence its own emulator service and IO keeper) with the overlay CNI plugin
 * (cni/bin/overlay) and its own pod subnet, same VNI. The nodes' "provider network" is a veth pair between the two
 * namespaces (192.168.77.1 / .2). A minimal Kubernetes API server run by this test (test/helpers/fake-kube-api.ts)
 * serves the Node objects; each node reaches it over a management veth to the root namespace. `wincri node-agent`
 * runs inside each node and turns the other node into a RemoteSubnetRoute, which the emulator builds as a route,
 * a permanent neighbour and an FDB entry on the node's VXLAN device. Pods on the two nodes then reach each other
 * (without NAT) through VXLAN, and only while the route exists. Everything is torn down, even on failure, and no
 * wincri-* namespace, link or nft table is left.
 *
 * The daemons run under `nsenter --net=…` rather than `ip netns exec …`: the latter also moves the process into a
 * private mount namespace (slave propagation), so the pod namespaces the emulator bind-mounts under /run/netns
 * would exist only inside that mount namespace and be invisible to this test's leak audit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, CLI, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { FakeKubeApi, kubeNode } from '../helpers/fake-kube-api.js';
import { rootNetworkingSkipReason, freeSubnet, labelledObjects } from '../helpers/netns.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { netnsName, vxlanName } from '../../src/platform/emulator/service/linuxnet.js';
import type { HostComputeNetworkDoc } from '../../src/platform/hcn/schema/index.js';
import { waitFor, type WaitOptions } from '../helpers/wait-for.js';

const CNI_BIN = fileURLToPath(new URL('../../../cni/bin', import.meta.url));
const skip = rootNetworkingSkipReason()
  || (existsSync(join(CNI_BIN, 'overlay')) ? false : `the CNI plugin ${CNI_BIN}/overlay is missing`)
  || (spawnSync('nsenter', ['--version'], { stdio: 'ignore' }).error ? 'needs `nsenter` (util-linux)' : false)
  || (spawnSync('bridge', ['-V'], { stdio: 'ignore' }).error ? 'needs `bridge` (iproute2)' : false);

const IMAGE = 'example.com/wincri/overlay:1.0';
const NETWORK = 'ovl-e2e';
const VNI = 4100;
const CLUSTER_CIDR = '10.244.0.0/16';
// Answers "<reply> from <peer address>": the receiver sees the sender's pod IP when nothing NATs on the way.
const SERVER = `require('net').createServer((s)=>{s.on('error',()=>{});s.end(process.argv[2]+' from '+s.remoteAddress);}).listen(8080,'0.0.0.0');`;
const CLIENT = `const s=require('net').connect(+process.argv[3],process.argv[2]);let d='';s.setTimeout(2000,()=>{console.error('timeout');process.exit(3)});`
  + `s.on('data',(x)=>d+=x);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('error',(e)=>{console.error(e.message);process.exit(2)});`;

const sh = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return r.stdout;
};
const quiet = (cmd: string, args: string[]): string => spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '';

interface SimNode {
  name: string; netns: string; hostLink: string; pa: string; podCIDR: string; mgmtHost: string; mgmtNode: string;
  daemon?: Daemon; agent?: ChildProcess; agentLog?: string; kubeconfig?: string;
}
interface Pod { id: string; ip: string; namespaceId: string; server: string }

const sfx = randomBytes(3).toString('hex');
const mgmt = (() => { if (skip) return ''; for (;;) { const s = freeSubnet(); if (!s.base.startsWith('10.244.')) return s.base; } })();
const nodes: SimNode[] = [1, 2].map((i) => ({
  name: `node-${i}`, netns: `wct-ovl${i}-${sfx}`, hostLink: `wctm${i}${sfx}`, pa: `192.168.77.${i}`, podCIDR: `10.244.${i}.0/24`,
  mgmtHost: `${mgmt}.${i === 1 ? 1 : 5}`, mgmtNode: `${mgmt}.${i === 1 ? 2 : 6}`,
}));
const [n1, n2] = nodes as [SimNode, SimNode];
const kube = new FakeKubeApi();
const pods = new Map<SimNode, Pod>();
let work = '';
let tornDown = false;

/** The two node namespaces, the provider veth pair between them and a management veth from each to the root. */
function buildTopology(): void {
  for (const n of nodes) {
    sh('ip', ['netns', 'add', n.netns]);
    sh('ip', ['-n', n.netns, 'link', 'set', 'lo', 'up']);
  }
  sh('ip', ['-n', n1.netns, 'link', 'add', 'prov0', 'type', 'veth', 'peer', 'name', 'prov0', 'netns', n2.netns]);
  for (const n of nodes) {
    sh('ip', ['-n', n.netns, 'addr', 'add', `${n.pa}/24`, 'dev', 'prov0']);
    sh('ip', ['-n', n.netns, 'link', 'set', 'prov0', 'up']);
    sh('ip', ['link', 'add', n.hostLink, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', n.netns]);
    sh('ip', ['addr', 'add', `${n.mgmtHost}/30`, 'dev', n.hostLink]);
    sh('ip', ['link', 'set', n.hostLink, 'up']);
    sh('ip', ['-n', n.netns, 'addr', 'add', `${n.mgmtNode}/30`, 'dev', 'mgmt0']);
    sh('ip', ['-n', n.netns, 'link', 'set', 'mgmt0', 'up']);
  }
}

const inNode = (n: SimNode): string[] => ['nsenter', `--net=/run/netns/${n.netns}`, '--'];

function startAgent(n: SimNode): void {
  const d = n.daemon!;
  n.agentLog = join(work, `agent-${n.name}.log`);
  const out = openSync(n.agentLog, 'a');
  n.agent = spawn(inNode(n)[0]!, [...inNode(n).slice(1), process.execPath, CLI, 'node-agent', '--node', n.name, '--network', NETWORK,
    '--kubeconfig', n.kubeconfig!, '--config', d.configFile, '--root', d.root], {
    stdio: ['ignore', out, out], env: { ...process.env, WINCRI_LOG_LEVEL: 'debug' },
  });
  closeSync(out);
}

async function stopAgent(n: SimNode): Promise<number | null> {
  const p = n.agent;
  if (!p) return 0;
  if (p.exitCode !== null || p.signalCode !== null) return p.exitCode;
  const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

/** Pods, agents, daemons (with their keepers and emulator services), the API server, the node namespaces. */
async function teardown(): Promise<void> {
  if (tornDown) return;
  tornDown = true;
  for (const [n, p] of pods) {
    await call(n.daemon!.runtime, 'StopPodSandbox', { podSandboxId: p.id }).catch(() => undefined);
    await call(n.daemon!.runtime, 'RemovePodSandbox', { podSandboxId: p.id }).catch(() => undefined);
  }
  await Promise.all(nodes.map((n) => stopAgent(n)));
  await Promise.all(nodes.map((n) => n.daemon?.destroy()));
  await kube.close();
  for (const n of nodes) quiet('ip', ['netns', 'delete', n.netns]); // also removes the veths with an end inside
  for (const n of nodes) quiet('ip', ['link', 'del', n.hostLink]);
  if (work) rmSync(work, { recursive: true, force: true });
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'wincri-ovl-'));
  try {
    buildTopology();
    for (const n of nodes) {
      n.daemon = new Daemon(`wincri-ovl-${n.name}`, {
        cniBinDirs: [CNI_BIN], launcher: inNode(n),
        network: { file: '10-overlay.conflist', conf: {
          cniVersion: '1.0.0', name: NETWORK,
          plugins: [{ type: 'overlay', subnet: n.podCIDR, vni: VNI, providerAddress: n.pa, clusterCIDR: CLUSTER_CIDR, serviceCIDR: '10.96.0.0/12', capabilities: { dns: true } }],
        } },
      });
      n.kubeconfig = FakeKubeApi.writeKubeconfig(join(work, `kubeconfig-${n.name}`), await kube.listen(n.mgmtHost));
    }
    await Promise.all(nodes.map((n) => n.daemon!.start()));
    const tar = await buildWindowsImage({
      dir: work, names: [IMAGE], format: 'oci',
      layers: [{ 'app/server.js': SERVER, 'app/client.js': CLIENT }],
      config: { Cmd: ['node', 'server.js', 'hello'], WorkingDir: 'C:\\app' },
    });
    const imageIds = nodes.map((n) => n.daemon!.importImage(tar).split('\t')[0]!.trim());
    // The agents start before the overlay network exists (the first pod's CNI ADD creates it).
    for (const n of nodes) startAgent(n);
    await Promise.all(nodes.map(async (n, i) => pods.set(n, await runPod(n, imageIds[i]!))));
  } catch (e) {
    await teardown();
    throw e;
  }
});

after(async () => { if (!skip) await teardown(); });

async function runPod(n: SimNode, image: string): Promise<Pod> {
  const d = n.daemon!;
  const config = podConfig(`ovl-${n.name}`, join(d.logDir, n.name));
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  const st = await call(d.runtime, 'PodSandboxStatus', { podSandboxId, verbose: true });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId,
    config: { metadata: { name: 'server', attempt: 0 }, image: { image }, command: ['node', 'server.js', `pod-on-${n.name}`], logPath: 'server.log' },
    sandboxConfig: config,
  });
  await call(d.runtime, 'StartContainer', { containerId });
  return { id: podSandboxId, ip: st.status.network?.ip, namespaceId: JSON.parse(st.info.info).namespaceId, server: containerId };
}

/** One TCP fetch from a container; the reply or the client's error. */
async function fetchOnce(from: SimNode, host: string): Promise<{ ok: boolean; text: string }> {
  const r = await call(from.daemon!.runtime, 'ExecSync', { containerId: pods.get(from)!.server, cmd: ['node', 'client.js', host, '8080'], timeout: 10 });
  return r.exitCode === 0 ? { ok: true, text: Buffer.from(r.stdout).toString() } : { ok: false, text: Buffer.from(r.stderr).toString().trim() };
}

async function network(n: SimNode): Promise<HostComputeNetworkDoc> {
  const platform = await createEmulatorPlatform({ stateDir: join(n.daemon!.root, 'emulator'), spawnService: false });
  try {
    const found = (await platform.network.enumerateNetworks({ SchemaVersion: { Major: 2, Minor: 0 }, Flags: 0, Filter: JSON.stringify({ Name: NETWORK }) }))[0];
    assert.ok(found, `${n.name} has the overlay network ${NETWORK}`);
    return found;
  } finally {
    await platform.close();
  }
}
const policy = <T>(net: HostComputeNetworkDoc, type: string): T[] => (net.Policies ?? []).filter((p) => p.Type === type).map((p) => p.Settings as T);
type RouteSettings = { DestinationPrefix: string; ProviderAddress: string; IsolationId: number; DistributedRouterMacAddress?: string };

/** Linux state of a node, for failure messages. */
function diagnostics(): string {
  const out: string[] = [];
  for (const n of nodes) {
    const x = (label: string, cmd: string, args: string[]) => out.push(`--- ${n.name}: ${label}\n${quiet(cmd, args).trim()}`);
    x('ip -d link', 'ip', ['-n', n.netns, '-d', 'link', 'show']);
    x('ip addr', 'ip', ['-n', n.netns, '-br', 'addr', 'show']);
    x('ip route', 'ip', ['-n', n.netns, 'route', 'show']);
    x('ip neigh', 'ip', ['-n', n.netns, 'neigh', 'show']);
    x('bridge fdb', 'bridge', ['-n', n.netns, 'fdb', 'show']);
    x('nft ruleset', 'ip', ['netns', 'exec', n.netns, 'nft', 'list', 'ruleset']);
    if (n.agentLog) out.push(`--- ${n.name}: agent log\n${(() => { try { return readFileSync(n.agentLog, 'utf8').split('\n').slice(-20).join('\n'); } catch { return ''; } })()}`);
  }
  return out.join('\n');
}

/** How this file polls (waitFor options): every 200 ms, a failing poll is "not yet"; a timeout shows the diagnostics. */
const poll = (timeoutMs: number): WaitOptions => ({ timeoutMs, intervalMs: 200, retryErrors: true, detail: diagnostics });

/** Publishes both Node objects (pod CIDR, InternalIP = provider address, flannel backend-data with the VTEP MAC). */
async function publishNodes(only?: SimNode): Promise<void> {
  for (const n of only ? [only] : nodes) {
    const net = await network(n);
    const mac = policy<{ Address: string }>(net, 'DrMacAddress')[0]?.Address;
    assert.ok(mac, `${n.name}'s overlay network has a DrMacAddress`);
    kube.setNode(kubeNode(n.name, n.podCIDR, n.pa, {
      'flannel.alpha.coreos.com/backend-type': 'vxlan',
      'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: VNI, VtepMAC: mac.replace(/-/g, ':').toLowerCase() }),
    }));
  }
}

const vxlanStats = (n: SimNode, net: HostComputeNetworkDoc): { tx: number; rx: number } => {
  const [link] = JSON.parse(sh('ip', ['-n', n.netns, '-j', '-s', 'link', 'show', 'dev', vxlanName(net.ID!)])) as { stats64: { tx: { packets: number }; rx: { packets: number } } }[];
  return { tx: link!.stats64.tx.packets, rx: link!.stats64.rx.packets };
};

test('pods on two nodes reach each other across VXLAN once the node agents have programmed routes from Node objects', { skip }, async (t) => {
  const a = pods.get(n1)!;
  const b = pods.get(n2)!;
  assert.match(a.ip, /^10\.244\.1\.\d+$/, `pod on node-1 has an address of ${n1.podCIDR}`);
  assert.match(b.ip, /^10\.244\.2\.\d+$/, `pod on node-2 has an address of ${n2.podCIDR}`);
  const [net1, net2] = [await network(n1), await network(n2)];
  for (const [n, net] of [[n1, net1], [n2, net2]] as const) {
    assert.equal(net.Type, 'Overlay');
    assert.deepEqual(policy<{ ProviderAddress: string }>(net, 'ProviderAddress').map((p) => p.ProviderAddress), [n.pa]);
    assert.deepEqual(policy(net, 'RemoteSubnetRoute'), [], 'no route before the Node objects are published');
    assert.match(sh('ip', ['-n', n.netns, '-d', 'link', 'show', 'dev', vxlanName(net.ID!)]), new RegExp(`vxlan id ${VNI} local ${n.pa.replace(/\./g, '\\.')} .*dstport 4789`));
  }
  // Without routes the other node's pods are unreachable.
  const t00 = Date.now();
  const none = await fetchOnce(n1, b.ip);
  assert.equal(none.ok, false, 'no path before the agents program routes');
  t.diagnostic(`before routes: ${none.text} (${Date.now() - t00} ms)`);

  const t0 = Date.now();
  await publishNodes(); // watch events reach the running agents
  const routeOn = async (n: SimNode, other: SimNode) => waitFor(`the RemoteSubnetRoute for ${other.name} on ${n.name}`, async () => {
    const r = policy<RouteSettings>(await network(n), 'RemoteSubnetRoute');
    return r.length === 1 && r[0]!.DestinationPrefix === other.podCIDR ? r[0] : undefined;
  }, poll(20_000));
  const [r1, r2] = await Promise.all([routeOn(n1, n2), routeOn(n2, n1)]);
  const t1 = Date.now();
  assert.deepEqual(r1, { DestinationPrefix: n2.podCIDR, ProviderAddress: n2.pa, IsolationId: VNI, DistributedRouterMacAddress: policy<{ Address: string }>(net2, 'DrMacAddress')[0]!.Address });
  assert.deepEqual(r2, { DestinationPrefix: n1.podCIDR, ProviderAddress: n1.pa, IsolationId: VNI, DistributedRouterMacAddress: policy<{ Address: string }>(net1, 'DrMacAddress')[0]!.Address });
  // … built as Linux route + FDB entry on the VXLAN device.
  assert.match(sh('ip', ['-n', n1.netns, 'route', 'show', n2.podCIDR]), new RegExp(`dev ${vxlanName(net1.ID!)} .*onlink`));
  assert.match(sh('bridge', ['-n', n1.netns, 'fdb', 'show', 'dev', vxlanName(net1.ID!)]), new RegExp(`dst ${n2.pa.replace(/\./g, '\\.')} .*permanent`));

  const before1 = vxlanStats(n1, net1);
  const before2 = vxlanStats(n2, net2);
  const across = (from: SimNode, to: Pod) => waitFor(`a fetch from ${from.name} to ${to.ip}`, async () => {
    const r = await fetchOnce(from, to.ip);
    if (!r.ok) throw new Error(r.text);
    return r.text;
  }, poll(20_000));
  assert.equal(await across(n1, b), `pod-on-node-2 from ${a.ip}`, 'node-1 → node-2, the source pod address unchanged');
  assert.equal(await across(n2, a), `pod-on-node-1 from ${b.ip}`, 'node-2 → node-1, the source pod address unchanged');
  t.diagnostic(`routes programmed ${t1 - t0} ms after the Node objects were published; both directions answered after ${Date.now() - t0} ms`);
  const after1 = vxlanStats(n1, net1);
  const after2 = vxlanStats(n2, net2);
  for (const [what, x, y] of [['node-1 sent', after1.tx, before1.tx], ['node-1 received', after1.rx, before1.rx],
    ['node-2 sent', after2.tx, before2.tx], ['node-2 received', after2.rx, before2.rx]] as const) {
    assert.ok(x > y, `${what} packets through its VXLAN device (${y} → ${x})`);
  }
});

test('a Node deleted from the API server loses its route (and the path); published again, the path is back', { skip }, async () => {
  const b = pods.get(n2)!;
  kube.deleteNode(n2.name);
  await waitFor('the route to node-2 removed on node-1', async () => (policy(await network(n1), 'RemoteSubnetRoute').length === 0 ? true : undefined), poll(20_000));
  assert.equal(sh('ip', ['-n', n1.netns, 'route', 'show', n2.podCIDR]).trim(), '', 'the Linux route is gone');
  assert.doesNotMatch(quiet('bridge', ['-n', n1.netns, 'fdb', 'show']), new RegExp(`dst ${n2.pa.replace(/\./g, '\\.')}`), 'the FDB entry is gone');
  const r = await fetchOnce(n1, b.ip);
  assert.equal(r.ok, false, `node-2's pod is unreachable without the route (${r.text})`);
  // node-2 still knows node-1: only node-1's route depended on the deleted object.
  assert.equal(policy(await network(n2), 'RemoteSubnetRoute').length, 1);

  await publishNodes(n2);
  await waitFor('node-2 reachable again', async () => {
    const x = await fetchOnce(n1, b.ip);
    if (!x.ok) throw new Error(x.text);
    return x.text;
  }, poll(20_000));
});

test('teardown: pods, agents, daemons, emulator services and node namespaces leave no wincri-* netns, link or nft table', { skip }, async () => {
  const podNetns = [...pods.values()].map((p) => netnsName(p.namespaceId));
  assert.equal(podNetns.length, 2);
  for (const [n, p] of pods) {
    await call(n.daemon!.runtime, 'StopPodSandbox', { podSandboxId: p.id });
    await call(n.daemon!.runtime, 'RemovePodSandbox', { podSandboxId: p.id });
  }
  pods.clear();
  for (const n of nodes) assert.equal(await stopAgent(n), 0, `${n.name}'s agent exits cleanly on SIGTERM`);
  await Promise.all(nodes.map((n) => n.daemon!.destroy()));
  // Inside each node namespace: the emulator service removed its bridge, VXLAN device, veths and nft table.
  for (const n of nodes) {
    const links = quiet('ip', ['-n', n.netns, '-o', 'link', 'show']);
    assert.doesNotMatch(links, /wincri-/, `no wincri-* link left in ${n.name}:\n${links}`);
    const tables = sh('ip', ['netns', 'exec', n.netns, 'nft', 'list', 'tables']);
    assert.doesNotMatch(tables, /wincri-/, `no wincri-* nft table left in ${n.name}`);
  }
  await teardown();
  const left = labelledObjects();
  assert.deepEqual(podNetns.filter((x) => left.netns.includes(x)), [], 'the pods\' network namespaces are gone');
  const allNetns = quiet('ip', ['netns', 'list']);
  for (const n of nodes) {
    assert.ok(!allNetns.includes(n.netns), `${n.netns} deleted`);
    assert.equal(spawnSync('ip', ['link', 'show', n.hostLink], { stdio: 'ignore' }).status !== 0, true, `${n.hostLink} deleted`);
  }
});
