/**
 * Pod networking end to end (root only): the real daemon runs our CNI plugin (cni/bin/nat) against the emulator,
 * which builds real Linux networking. Two pods on a NAT network reach each other and the host, a hostPort reaches
 * a server in a pod (also via 127.0.0.1), the pod sees its DNS settings, and 50 pods created and removed
 * concurrently leave no namespace, endpoint, veth or rule behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { rootNetworkingSkipReason, tcpServer, tcpGet, kill, freeSubnet, labelledObjects } from '../helpers/netns.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { netnsName, vethName, tableName } from '../../src/platform/emulator/service/linuxnet.js';

const CNI_BIN = fileURLToPath(new URL('../../../cni/bin', import.meta.url));
const skip = rootNetworkingSkipReason() || (existsSync(join(CNI_BIN, 'nat')) ? false : `the CNI plugin ${CNI_BIN}/nat is missing`);
const IMAGE = 'example.com/wincri/net:1.0';
const SERVER = `require('net').createServer((s)=>{s.on('error',()=>{});s.end(process.argv[2]);}).listen(8080,'0.0.0.0');`;
const CLIENT = `const s=require('net').connect(+process.argv[3],process.argv[2]);let d='';s.setTimeout(3000,()=>{console.error('timeout');process.exit(3)});`
  + `s.on('data',(x)=>d+=x);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('error',(e)=>{console.error(e.message);process.exit(2)});`;

let d: Daemon;
let imageId = '';
const sub = skip ? { prefix: '', gateway: '', base: '' } : freeSubnet();

before(async () => {
  if (skip) return;
  d = new Daemon('wincri-net', {
    cniBinDirs: [CNI_BIN],
    network: { file: '10-nat.conflist', conf: {
      cniVersion: '1.0.0', name: 'e2e-nat',
      plugins: [{ type: 'nat', subnet: sub.prefix, gateway: sub.gateway, capabilities: { portMappings: true, dns: true } }],
    } },
  });
  await d.start();
  const tar = await buildWindowsImage({
    dir: d.dir, names: [IMAGE], format: 'oci',
    layers: [{ 'app/server.js': SERVER, 'app/client.js': CLIENT }],
    config: { Cmd: ['node', 'server.js', 'hello'], WorkingDir: 'C:\\app' },
  });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
});

after(async () => { await d?.destroy(); });

async function runPod(name: string, extra: Record<string, unknown> = {}) {
  const config = podConfig(name, join(d.logDir, name), extra);
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  const st = await call(d.runtime, 'PodSandboxStatus', { podSandboxId, verbose: true });
  return { id: podSandboxId as string, config, ip: st.status.network?.ip as string, namespaceId: JSON.parse(st.info.info).namespaceId as string };
}

async function runServer(pod: { id: string; config: unknown }, reply: string): Promise<string> {
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id,
    config: { metadata: { name: 'server', attempt: 0 }, image: { image: imageId }, command: ['node', 'server.js', reply], logPath: 'server.log' },
    sandboxConfig: pod.config,
  });
  await call(d.runtime, 'StartContainer', { containerId });
  return containerId;
}

async function fetchFrom(containerId: string, host: string, port: number): Promise<string> {
  for (let i = 0; ; i++) {
    const r = await call(d.runtime, 'ExecSync', { containerId, cmd: ['node', 'client.js', host, String(port)], timeout: 10 });
    if (r.exitCode === 0) return Buffer.from(r.stdout).toString();
    if (i >= 20) throw new Error(`${host}:${port} from ${containerId}: ${Buffer.from(r.stderr).toString()}`);
    await new Promise((res) => setTimeout(res, 100)); // the server may still be starting
  }
}

test('two pods on a NAT network reach each other and the host; a hostPort reaches a server in a pod; DNS settings', { skip }, async (t) => {
  const hostPort = 20000 + Math.floor(Math.random() * 20000);
  const a = await runPod('net-a', { dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] } });
  const b = await runPod('net-b', { portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort }] });
  for (const p of [a, b]) assert.ok(p.ip?.startsWith(`${sub.base}.`), `pod IP ${p.ip} is in ${sub.prefix}`);
  assert.notEqual(a.ip, b.ip);
  const ca = await runServer(a, 'pod-a');
  await runServer(b, 'pod-b');
  const host = await tcpServer(undefined, hostPort + 1, 'the-host', sub.gateway);
  t.after(() => kill(host));

  assert.equal(await fetchFrom(ca, b.ip, 8080), 'pod-b', 'pod → pod');
  assert.equal(await fetchFrom(ca, sub.gateway, hostPort + 1), 'the-host', 'pod → host');
  assert.equal(await tcpGet(undefined, a.ip, 8080), 'pod-a', 'host → pod');
  assert.equal(await tcpGet(undefined, '127.0.0.1', hostPort), 'pod-b', 'hostPort via 127.0.0.1');
  assert.equal(await fetchFrom(ca, sub.gateway, hostPort), 'pod-b', 'hostPort via the host address from another pod');

  const rc = await call(d.runtime, 'ExecSync', { containerId: ca, cmd: ['cat', '/etc/resolv.conf'], timeout: 10 });
  const resolv = Buffer.from(rc.stdout).toString();
  assert.match(resolv, /nameserver 10\.96\.0\.10/);
  assert.match(resolv, /search default\.svc\.cluster\.local/);

  for (const p of [a, b]) {
    await call(d.runtime, 'StopPodSandbox', { podSandboxId: p.id });
    await call(d.runtime, 'StopPodSandbox', { podSandboxId: p.id }); // DEL again: idempotent
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId: p.id });
  }
  const left = labelledObjects();
  for (const p of [a, b]) assert.ok(!left.netns.includes(netnsName(p.namespaceId)), 'pod network namespace removed');
  await assert.rejects(tcpGet(undefined, '127.0.0.1', hostPort, 1000), 'the host port mapping is gone');
});

test('50 pods created and removed concurrently leave no namespace, endpoint, veth or rule behind', { skip }, async () => {
  const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator'), spawnService: false });
  try {
    const pods = await Promise.all(Array.from({ length: 50 }, (_, i) => runPod(`many-${i}`)));
    assert.equal(new Set(pods.map((p) => p.ip)).size, 50, 'every pod has its own IP');
    const endpoints = await platform.network.enumerateEndpoints();
    assert.equal(endpoints.length, 50);
    const network = (await platform.network.enumerateNetworks())[0]!;
    const rules = () => execFileSync('nft', ['list', 'table', 'ip', tableName(network.ID!)], { encoding: 'utf8' });

    await Promise.all(pods.map(async (p) => {
      await call(d.runtime, 'StopPodSandbox', { podSandboxId: p.id });
      await call(d.runtime, 'RemovePodSandbox', { podSandboxId: p.id });
    }));
    assert.deepEqual(await platform.network.enumerateEndpoints(), [], 'no HNS endpoint left');
    assert.deepEqual(await platform.network.enumerateNamespaces(), [], 'no HNS namespace left');
    // The kernel removes a deleted namespace's veths in the background; the service confirms it (network-reaper.ts).
    assert.deepEqual(await platform.network.settleRemovals!(), [], 'no removal left pending');
    const left = labelledObjects();
    assert.deepEqual(pods.map((p) => netnsName(p.namespaceId)).filter((n) => left.netns.includes(n)), [], 'no network namespace left');
    assert.deepEqual(endpoints.map((e) => vethName(e.ID!)).filter((n) => left.links.includes(n)), [], 'no veth left');
    assert.doesNotMatch(rules(), /comment "ep-/, 'no endpoint rule left');
    assert.deepEqual((await call(d.runtime, 'ListPodSandbox', {})).items, []);
  } finally {
    await platform.close();
  }
});
