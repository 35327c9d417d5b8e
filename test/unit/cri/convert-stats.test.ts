import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerStatsToCri, podSandboxStatsToCri, windowsNetworkToCri } from '../../../src/cri/convert-stats.js';
import type { ContainerRecord, SandboxRecord } from '../../../src/runtime/model.js';
import type { ContainerStatsSample, PodNetworkSample } from '../../../src/runtime/runtime.js';

const pod = {
  id: 'p1', config: { metadata: { name: 'web', uid: 'u1', namespace: 'default', attempt: 0 }, labels: { app: 'web' }, annotations: {} },
} as unknown as SandboxRecord;

function sample(id: string, o: Partial<ContainerStatsSample>): ContainerStatsSample {
  const container = { id, sandboxId: 'p1', config: { metadata: { name: id, attempt: 0 }, labels: {}, annotations: {} }, scratchPath: `/s/${id}` } as unknown as ContainerRecord;
  return {
    container, timestampNs: 1_700_000_000_000_000_000n, cpuUsageCoreNs: 0n, cpuUsageNanoCores: 0n, memoryWorkingSetBytes: 0,
    memoryCommitBytes: 0, memoryLimitBytes: 0, memoryAvailableBytes: 0, writableLayerUsedBytes: 0, writableLayerInodes: 0, processCount: 0, ...o,
  };
}

const a = sample('a', { cpuUsageCoreNs: 3_000_000_000n, cpuUsageNanoCores: 250_000_000n, memoryWorkingSetBytes: 10 << 20, memoryCommitBytes: 12 << 20, memoryLimitBytes: 64 << 20, memoryAvailableBytes: 52 << 20, processCount: 2, writableLayerUsedBytes: 4096 });
const b = sample('b', { cpuUsageCoreNs: 2n ** 60n, cpuUsageNanoCores: 1_000_000_000n, memoryWorkingSetBytes: 5 << 20, memoryCommitBytes: 6 << 20, processCount: 1 });
const net: PodNetworkSample = {
  timestampNs: 1_700_000_000_500_000_000n,
  interfaces: [
    { endpointId: 'ep-1', rxBytes: 1000, txBytes: 400, rxPackets: 10, txPackets: 4, rxDropped: 1, txDropped: 0 },
    { endpointId: 'ep-2', rxBytes: 5, txBytes: 6, rxPackets: 1, txPackets: 1, rxDropped: 0, txDropped: 3 },
  ],
};

test('pod stats (windows): CPU, memory and processes are the sums of the running containers; page faults unset', () => {
  const w = podSandboxStatsToCri(pod, [a, b], net, 42n).windows!;
  assert.equal(w.cpu!.usageCoreNanoSeconds!.value, (3_000_000_000n + 2n ** 60n).toString(), 'beyond 2^53 without loss');
  assert.equal(w.cpu!.usageNanoCores!.value, '1250000000');
  assert.equal(w.memory!.workingSetBytes!.value, String(15 << 20));
  assert.equal(w.memory!.commitMemoryBytes!.value, String(18 << 20));
  assert.equal(w.memory!.availableBytes!.value, String(52 << 20), 'only containers with a limit have available bytes');
  assert.equal(w.memory!.pageFaults, null);
  assert.equal(w.process!.processCount!.value, '3');
  assert.equal(w.cpu!.timestamp, '42');
  assert.deepEqual(w.containers!.map((c) => [c.attributes!.id, c.cpu!.usageCoreNanoSeconds!.value, c.memory!.commitMemoryBytes!.value]),
    [['a', '3000000000', String(12 << 20)], ['b', (2n ** 60n).toString(), String(6 << 20)]]);
  assert.equal(w.containers![1]!.memory!.availableBytes, null, 'no limit: available unset, not 0');
  assert.equal(w.containers![0]!.writableLayer!.usedBytes!.value, '4096');
});

test('pod stats (windows): one interface per HNS endpoint, the first is the default; no endpoint → no network', () => {
  const n = podSandboxStatsToCri(pod, [a], net, 42n).windows!.network!;
  assert.equal(n.timestamp, net.timestampNs.toString());
  assert.deepEqual(n.interfaces!.map((i) => [i.name, i.rxBytes!.value, i.txBytes!.value, i.rxPacketsDropped!.value, i.txPacketsDropped!.value]),
    [['ep-1', '1000', '400', '1', '0'], ['ep-2', '5', '6', '0', '3']]);
  assert.deepEqual(n.defaultInterface, n.interfaces![0]);
  assert.equal(windowsNetworkToCri({ timestampNs: 1n, interfaces: [] }), null, 'kubelet dereferences default_interface whenever network is set');
  assert.equal(podSandboxStatsToCri(pod, [a], undefined, 42n).windows!.network, null, 'host-network pod');
});

test('pod stats: only the windows part (crictl statsp refuses a pod with both linux and windows stats)', () => {
  const s = podSandboxStatsToCri(pod, [a, b], net, 42n);
  assert.equal(s.linux, null);
  assert.deepEqual(s.windows!.containers!.map((c) => c.attributes!.id), ['a', 'b']);
  assert.deepEqual(s.attributes!.metadata, { name: 'web', uid: 'u1', namespace: 'default', attempt: 0 });
});

test('container stats: CPU, working set, commit as usage, writable layer with inodes', () => {
  const c = containerStatsToCri(a);
  assert.equal(c.cpu!.usageCoreNanoSeconds!.value, '3000000000');
  assert.equal(c.memory!.workingSetBytes!.value, String(10 << 20));
  assert.equal(c.memory!.usageBytes!.value, String(12 << 20));
  assert.equal(c.memory!.availableBytes!.value, String(52 << 20));
  assert.equal(containerStatsToCri(b).memory!.availableBytes, null);
  assert.deepEqual(c.writableLayer!.fsId, { mountpoint: '/s/a' });
});
