/**
 * Windows stats end to end (root only: the pod gets real networking from our CNI plugin on the emulator). A pod
 * with a container that burns CPU and holds memory, beside a TCP server: PodSandboxStats / ListPodSandboxStats
 * fill the `windows` part (CPU and working set grow, processes counted, per-container stats), the pod's HNS
 * endpoint counters (the `network` part) grow after traffic from the host into the pod, and /metrics carries the
 * pod's endpoint rx/tx counters. Growth and ordering only, never timing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { rootNetworkingSkipReason, tcpGet, freeSubnet } from '../helpers/netns.js';
import { parsePrometheusText, sampleValue } from '../helpers/prom-text.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';

const CNI_BIN = fileURLToPath(new URL('../../../cni/bin', import.meta.url));
const skip = rootNetworkingSkipReason() || (existsSync(join(CNI_BIN, 'nat')) ? false : `the CNI plugin ${CNI_BIN}/nat is missing`);
const IMAGE = 'example.com/wincri/stats:1.0';
const SERVER = `require('net').createServer((s)=>{s.on('error',()=>{});s.end('x'.repeat(65536));}).listen(8080,'0.0.0.0');`;
const BURN = 'x=$(head -c 40000000 /dev/zero | tr "\\0" a); while :; do :; done';

let d: Daemon;
let imageId = '';
const sub = skip ? { prefix: '', gateway: '', base: '' } : freeSubnet();
const waitFor = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> => d.waitFor(what, fn, ms);

before(async () => {
  if (skip) return;
  d = new Daemon('wincri-stats', {
    cniBinDirs: [CNI_BIN],
    network: { file: '10-nat.conflist', conf: { cniVersion: '1.0.0', name: 'e2e-stats', plugins: [{ type: 'nat', subnet: sub.prefix, gateway: sub.gateway }] } },
  });
  await d.start();
  const tar = await buildWindowsImage({
    dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/server.js': SERVER }],
    config: { Cmd: ['node', 'server.js'], WorkingDir: 'C:\\app' },
  });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
});

after(async () => { await d?.destroy(); });

type U64 = { value: string } | null | undefined;
const n = (v: U64): bigint => BigInt(v?.value ?? 0);

async function start(pod: { id: string; config: unknown }, name: string, command: string[]): Promise<string> {
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name, attempt: 0 }, image: { image: imageId }, command, logPath: `${name}.log` },
  });
  await call(d.runtime, 'StartContainer', { containerId });
  return containerId;
}

test('pod stats: CPU and working set grow, endpoint rx/tx grow after traffic, /metrics has the pod endpoint counters', { skip }, async () => {
  const config = podConfig('stats-pod', join(d.logDir, 'stats-pod'));
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  const status = await call(d.runtime, 'PodSandboxStatus', { podSandboxId, verbose: true });
  const ip = status.status.network.ip as string;
  const pod = { id: podSandboxId as string, config };
  try {
    const burner = await start(pod, 'burner', ['sh', '-c', BURN]);
    await start(pod, 'server', ['node', 'server.js']);
    const podStats = async () => (await call(d.runtime, 'PodSandboxStats', { podSandboxId })).stats;

    // CPU and memory: the burner's 40 MB string and its busy loop show up in its own and in the pod's numbers.
    type Ctr = { attributes: { id: string }; cpu: { usageCoreNanoSeconds: U64 }; memory: { workingSetBytes: U64; commitMemoryBytes: U64 } };
    const burnerOf = (s: { windows: { containers: Ctr[] } }) => s.windows.containers.find((c) => c.attributes.id === burner);
    let last: unknown;
    const first = await waitFor('the burner to use CPU and hold a working set above 30 MB', async () => {
      const s = await podStats();
      last = s.windows;
      const b = burnerOf(s);
      return b && n(b.cpu.usageCoreNanoSeconds) > 0n && n(b.memory.workingSetBytes) > 30_000_000n && s.windows.containers.length === 2 ? s : undefined;
    }).catch((e: Error) => { throw new Error(`${e.message.split('\n')[0]}; last pod stats: ${JSON.stringify(last)}`); });
    const w = first.windows;
    const b0 = burnerOf(first)!;
    assert.ok(n(w.process.processCount) >= 2n, 'at least the burner and the server');
    assert.equal(w.memory.pageFaults, null, 'HCS statistics do not measure page faults');
    assert.ok(n(w.memory.workingSetBytes) >= n(b0.memory.workingSetBytes), 'the pod sums its containers (memory)');
    assert.ok(n(w.cpu.usageCoreNanoSeconds) >= n(b0.cpu.usageCoreNanoSeconds), 'the pod sums its containers (CPU)');
    assert.ok(n(b0.memory.commitMemoryBytes) > 0n);
    assert.equal(first.linux, null, 'only the windows part: crictl statsp refuses a pod with both');
    const later = await waitFor('pod CPU time to grow and nanocores to be computed', async () => {
      const s = await podStats();
      return n(s.windows.cpu.usageCoreNanoSeconds) > n(w.cpu.usageCoreNanoSeconds) && n(s.windows.cpu.usageNanoCores) > 0n ? s : undefined;
    });
    assert.ok(BigInt(later.windows.cpu.timestamp) > BigInt(w.cpu.timestamp));

    // Network: the pod's one HNS endpoint is the default interface; its counters grow with traffic into the pod.
    const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator'), spawnService: false });
    const endpointId = await (async () => {
      try {
        const ns = await platform.network.queryNamespace(JSON.parse(status.info.info).namespaceId as string);
        return (ns.Resources![0]!.Data as { ID: string }).ID;
      } finally { await platform.close(); }
    })();
    const net0 = (await podStats()).windows.network;
    assert.equal(net0.interfaces.length, 1);
    assert.equal(net0.defaultInterface.name, endpointId, 'interfaces are named by HNS endpoint');
    assert.equal(net0.interfaces[0].name, endpointId);
    await waitFor('the server to answer', async () => (await tcpGet(undefined, ip, 8080).catch(() => '')).length === 65536);
    for (let i = 0; i < 5; i++) assert.equal((await tcpGet(undefined, ip, 8080)).length, 65536);
    const net1 = (await podStats()).windows.network;
    assert.ok(n(net1.defaultInterface.txBytes) >= n(net0.defaultInterface.txBytes) + 5n * 65536n, 'the pod sent at least 5 × 64 KiB');
    assert.ok(n(net1.defaultInterface.rxBytes) > n(net0.defaultInterface.rxBytes), 'the pod received the connections');
    assert.ok(BigInt(net1.timestamp) > BigInt(net0.timestamp));

    const list = (await call(d.runtime, 'ListPodSandboxStats', { filter: { id: podSandboxId } })).stats;
    assert.equal(list.length, 1);
    assert.ok(n(list[0].windows.network.defaultInterface.txBytes) >= n(net1.defaultInterface.txBytes), 'counters never go back');
    assert.equal(list[0].linux, null);

    // Metrics: the pod's endpoint counters, labelled by pod and interface.
    const families = parsePrometheusText(await (await fetch(`${d.metricsUrl()}/metrics`)).text());
    const labels = { namespace: 'default', pod: 'stats-pod', interface: endpointId };
    const tx = sampleValue(families, 'wincri_pod_network_transmit_bytes_total', labels);
    const rx = sampleValue(families, 'wincri_pod_network_receive_bytes_total', labels);
    assert.ok(tx !== undefined && BigInt(tx) >= n(net1.defaultInterface.txBytes), `transmit counter ${tx}`);
    assert.ok(rx !== undefined && rx > 0, `receive counter ${rx}`);
    assert.ok(sampleValue(families, 'wincri_pod_network_receive_packets_dropped_total', labels) !== undefined);
  } finally {
    await call(d.runtime, 'StopPodSandbox', { podSandboxId });
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId });
  }
});

test('pod stats: a HostProcess pod (host network, no HNS namespace) has no network part; stats of a missing pod are NotFound', { skip }, async () => {
  const config = podConfig('stats-host', join(d.logDir, 'stats-host'), {
    windows: { securityContext: { hostProcess: true, runAsUsername: 'NT AUTHORITY\\SYSTEM' } },
  });
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  try {
    const s = (await call(d.runtime, 'PodSandboxStats', { podSandboxId })).stats;
    assert.equal(s.windows.network, null);
    assert.equal(s.attributes.metadata.name, 'stats-host');
    await assert.rejects(call(d.runtime, 'PodSandboxStats', { podSandboxId: 'feedface' }), (e: { code?: number }) => e.code === 5);
  } finally {
    await call(d.runtime, 'StopPodSandbox', { podSandboxId });
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId });
  }
});
