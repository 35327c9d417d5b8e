/**
 * Pods an older wincri's StopPodSandbox left SANDBOX_READY when it was killed midway (that version wrote NOTREADY
 * only at the end): recovery reports them NOTREADY, on disk too, when a step of the stop is done (runtime/
 * half-stopped.ts) — the CNI DEL (no attachment record, no endpoint in the namespace, which is still there) or the
 * removal of a Hyper-V pod's utility VM; a healthy pod, and one whose plugin hands out addresses without an HNS
 * endpoint, stay READY across the restart. Real emulator namespaces and endpoints (run under the network lock).
 * Over stand-in state: CNI records that cannot be read or whose directory is missing prove no DEL; a record gone
 * while an endpoint is in or names the namespace neither; a listing that throws synchronously is a failed one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { runtimeEnv, sandboxConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { RuntimeState, type RuntimeOptions, type StoredContainer } from '../../../src/runtime/state.js';
import { RecordStore } from '../../../src/runtime/store.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';
import type { PodNetwork, PodNetworkRequest } from '../../../src/runtime/ports.js';
import { markHalfStoppedPods } from '../../../src/runtime/half-stopped.js';
import { buildEndpoint, buildNamespaceEndpointRequest, buildNatNetwork } from '../../../src/platform/hcn/document/index.js';
import { isGone } from '../../../src/platform/hresult.js';
import type { HostComputeNamespaceDoc } from '../../../src/platform/hcn/schema/index.js';
import { CniManager } from '../../../src/network/cni.js';
import { addLogTap } from '../../../src/util/log.js';

let env: RuntimeEnv;
let netId: string | undefined;
after(async () => {
  if (netId) {
    for (const e of await env.platform.network.enumerateEndpoints()) {
      if (e.HostComputeNetwork === netId) await env.platform.network.deleteEndpoint(e.ID!).catch(() => undefined);
    }
    await env.platform.network.deleteNetwork(netId).catch(() => undefined);
  }
  await env?.close();
});

/**
 * CNI as our plugin does it: an HNS endpoint per pod (named after it) attached to the pod's namespace, and an
 * attachment record from ADD to DEL. Pods named `bare-*` get an address and a record but no endpoint (as a plugin
 * that makes none, or the tests' stand-ins).
 */
const attached = new Set<string>();
let next = 2;
const network: PodNetwork = {
  status: async () => ({ ready: true, reason: '', message: '' }),
  async setUp(req) {
    await req.namespaceReady;
    const ip = `10.213.7.${next++}`;
    attached.add(req.sandboxId);
    if (!req.pod.name.startsWith('bare-')) {
      const n = env.platform.network;
      netId ??= (await n.createNetwork(randomUUID(), buildNatNetwork({ name: 'half-stopped', subnet: '10.213.7.0/24', gateway: '10.213.7.1' }))).ID!;
      const ep = await n.createEndpoint(netId, randomUUID(), buildEndpoint({ name: req.sandboxId, networkId: netId, ip, prefixLength: 24 }));
      await n.modifyNamespace(req.namespaceId, buildNamespaceEndpointRequest(ep.ID!, 'Add'));
    }
    return { ips: [ip], recorded: Promise.resolve() };
  },
  async tearDown(req) {
    const n = env.platform.network;
    for (const e of await n.enumerateEndpoints()) {
      if (e.Name !== req.sandboxId) continue;
      if (req.namespaceId) await n.modifyNamespace(req.namespaceId, buildNamespaceEndpointRequest(e.ID!, 'Remove'));
      await n.deleteEndpoint(e.ID!);
    }
    attached.delete(req.sandboxId);
  },
  async check() {},
  async attachedPods() { return [...attached]; },
  async gc() {},
  async setPodCidr() {},
};

async function namespaceExists(id: string): Promise<boolean> {
  try { await env.platform.network.queryNamespace(id); return true; } catch (e) { if (isGone(e)) return false; throw e; }
}

const stateOnDisk = (podId: string): string =>
  (JSON.parse(readFileSync(join(env.runtime.opts.stateDir, 'sandboxes', `${podId}.json`), 'utf8')) as SandboxRecord).state;

test('after a restart: a pod whose stop (by an older wincri) got past CNI DEL is NOTREADY, on disk too; healthy pods stay READY', async () => {
  env = await runtimeEnv({ streaming: false, network });
  const healthy = await env.runtime.runPodSandbox(sandboxConfig('healthy', env.logDir), '');
  const bare = await env.runtime.runPodSandbox(sandboxConfig('bare-addresses', env.logDir), '');
  const cut = await env.runtime.runPodSandbox(sandboxConfig('cut', env.logDir), '');
  const nsId = env.runtime.getSandbox(cut).namespaceId!;
  // The older stop: its containers stopped, CNI DEL ran, then the daemon was killed; its record still says READY.
  const s = env.runtime.getSandbox(cut);
  await network.tearDown({ sandboxId: cut, namespaceId: nsId, pod: { name: 'cut', namespace: 'default', uid: 'uid-cut' }, portMappings: [], annotations: {} } satisfies PodNetworkRequest);
  assert.equal(s.state, 'SANDBOX_READY');
  assert.equal(await namespaceExists(nsId), true, 'the namespace deletion never ran');

  await env.runtime.flush();
  const rt = await Runtime.open(env.runtime.opts);
  await rt.recover();
  assert.equal(rt.getSandbox(healthy).state, 'SANDBOX_READY', 'endpoint and attachment record in place');
  assert.equal(rt.getSandbox(bare).state, 'SANDBOX_READY', 'no endpoint ever, but the attachment record is there');
  assert.equal(rt.getSandbox(cut).state, 'SANDBOX_NOTREADY', 'its network is gone though the namespace is there');
  assert.equal(stateOnDisk(cut), 'SANDBOX_NOTREADY', 'written, not only reported');
  assert.equal(stateOnDisk(healthy), 'SANDBOX_READY');

  // The stop the kubelet then sends finishes the teardown.
  await rt.stopPodSandbox(cut);
  assert.equal(await namespaceExists(nsId), false);
  for (const id of [cut, healthy, bare]) await rt.removePodSandbox(id);
  for (const id of [cut, healthy, bare]) await env.runtime.removePodSandbox(id).catch(() => undefined); // the first runtime's memory of them
});

test('a Hyper-V pod with containers but no utility VM any more (its stop removed it) is NOTREADY; one whose VM has not booted yet stays READY', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-half-stopped-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const opts = { platform: { network: { enumerateEndpoints: async () => [] } } } as unknown as RuntimeOptions;
  const st = new RuntimeState(opts, await RecordStore.open<SandboxRecord>(join(dir, 's')), await RecordStore.open<StoredContainer>(join(dir, 'c')));
  const pod = (id: string) => ({
    id, state: 'SANDBOX_READY', additionalIps: [], isolation: 'hyperv', utilityVm: { id: `${id}@vm`, memoryMiB: 512, processorCount: 1, created: false },
  }) as unknown as SandboxRecord;
  await st.sandboxes.save(pod('stopped'));
  await st.sandboxes.save(pod('fresh'));
  await st.containers.save({ id: 'c1', sandboxId: 'stopped', state: 'CONTAINER_EXITED' } as unknown as StoredContainer);
  await markHalfStoppedPods(st, []);
  assert.equal(st.sandboxes.get('stopped')!.state, 'SANDBOX_NOTREADY');
  assert.equal(st.sandboxes.get('fresh')!.state, 'SANDBOX_READY', 'its VM boots with its first container');
  const reread = await RecordStore.open<SandboxRecord>(join(dir, 's'));
  assert.equal(reread.get('stopped')!.state, 'SANDBOX_NOTREADY', 'written, not only reported');
});

/**
 * Recovery's look at READY pods with addresses over stand-in state: `namespaces` as the platform enumerated them,
 * `endpoints` the HNS endpoint listing, `network` the pod network (its attachment records).
 */
async function markOver(
  t: { after(fn: () => void): void }, o: { network?: Pick<PodNetwork, 'attachedPods'>; endpoints: () => Promise<unknown[]>; namespaces: unknown[]; pods: string[] },
): Promise<{ st: RuntimeState; warnings: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-half-stopped-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const opts = { platform: { network: { enumerateEndpoints: o.endpoints } }, network: o.network } as unknown as RuntimeOptions;
  const st = new RuntimeState(opts, await RecordStore.open<SandboxRecord>(join(dir, 's')), await RecordStore.open<StoredContainer>(join(dir, 'c')));
  for (const [i, id] of o.pods.entries()) {
    await st.sandboxes.save({ id, state: 'SANDBOX_READY', ip: `10.213.8.${i + 2}`, additionalIps: [], namespaceId: `NS-${id}`, isolation: 'process' } as unknown as SandboxRecord);
  }
  const warnings: string[] = [];
  const untap = addLogTap((r) => { if (r.level === 'warn' && r.component === 'runtime') warnings.push(r.msg); });
  try {
    await markHalfStoppedPods(st, o.namespaces as HostComputeNamespaceDoc[]);
  } finally { untap(); }
  return { st, warnings };
}

const emptyNamespace = (pod: string) => ({ ID: `ns-${pod}`, Resources: [] });

test('endpoint-less pods with addresses: a CNI cache directory that cannot be read or is missing proves no DEL, they stay READY (one warning); a readable one without their records does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-half-stopped-cni-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a-file'), '');
  mkdirSync(join(dir, 'empty'));
  const cni = (cacheDir: string) => new CniManager({ confDir: join(dir, 'conf'), binDirs: [], timeoutSeconds: 5, cacheDir });
  const pods = ['bare-1', 'bare-2'];
  const over = (cacheDir: string) => markOver(t, { network: cni(cacheDir), endpoints: async () => [], namespaces: pods.map(emptyNamespace), pods });

  for (const [what, cacheDir] of [['unreadable (a file)', join(dir, 'a-file')], ['missing', join(dir, 'gone')]] as const) {
    const { st, warnings } = await over(cacheDir);
    for (const p of pods) assert.equal(st.sandboxes.get(p)!.state, 'SANDBOX_READY', `${what} cache directory: ${p}`);
    assert.equal(warnings.length, 1, `${what}: ${warnings.join(' | ')}`);
    assert.match(warnings[0]!, /stay READY/);
  }
  const { st } = await over(join(dir, 'empty'));
  for (const p of pods) assert.equal(st.sandboxes.get(p)!.state, 'SANDBOX_NOTREADY', 'records positively gone, no endpoint: DEL ran');
});

test('attachment record gone but an endpoint still in the namespace, or one naming it (HostComputeNamespace), keeps the pod READY', async (t) => {
  const { st } = await markOver(t, {
    network: { attachedPods: async () => [] },
    endpoints: async () => [{ ID: 'ep-named', HostComputeNamespace: 'NS-NAMED' }, { ID: 'ep-other', HostComputeNamespace: 'ns-elsewhere' }],
    namespaces: [{ ID: 'ns-listed', Resources: [{ Type: 'Endpoint', Data: { ID: 'ep-listed' } }] }, emptyNamespace('named'), emptyNamespace('gone')],
    pods: ['listed', 'named', 'gone'],
  });
  assert.equal(st.sandboxes.get('listed')!.state, 'SANDBOX_READY', 'its namespace lists an endpoint');
  assert.equal(st.sandboxes.get('named')!.state, 'SANDBOX_READY', 'an endpoint names its namespace (only HNS listing it)');
  assert.equal(st.sandboxes.get('gone')!.state, 'SANDBOX_NOTREADY', 'no record, no endpoint anywhere');
});

test('a record or endpoint listing that throws synchronously is a failed listing: recovery goes on and the pod stays READY', async (t) => {
  const throwing = (): never => { throw new Error('thrown before any promise'); };
  const r1 = await markOver(t, { network: { attachedPods: throwing }, endpoints: async () => [], namespaces: [emptyNamespace('p')], pods: ['p'] });
  assert.equal(r1.st.sandboxes.get('p')!.state, 'SANDBOX_READY');
  assert.match(r1.warnings.join('\n'), /reading the CNI attachment records failed/);
  const r2 = await markOver(t, { network: { attachedPods: async () => [] }, endpoints: throwing, namespaces: [emptyNamespace('p')], pods: ['p'] });
  assert.equal(r2.st.sandboxes.get('p')!.state, 'SANDBOX_READY');
  assert.match(r2.warnings.join('\n'), /listing HNS endpoints failed/);
});
