/**
 * Fault injection of the HNS calls wincri's CNI plugin makes on its own (matrix.test.ts covers the endpoint
 * create/attach): the namespace check, the network and endpoint lookups and the network's creation of an ADD in
 * RunPodSandbox, the endpoint lookup of a DEL in StopPodSandbox, and the scratch expansion of CreateContainer
 * (rootfs_size_in_bytes: expandWritableLayer). Each fails with every HRESULT of the CI subset: the RPC answers the
 * code that HRESULT maps to with a message naming it and what to do; nothing the RPC made is left; the retry
 * succeeds. A hung call fails its RPC with DeadlineExceeded naming limits.platformCallTimeoutSeconds; what it
 * does late is undone; the retry succeeds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../harness.js';
import type { HResultName } from '../../../src/platform/hresult.js';
import { skip, leakAudit, startEnv, stopEnv, objects, continuePod, newPod, removePod, expectObjects, failOnce, hangOnce, type Env, type FaultOp, type Pod } from './common.js';

const NAME = 'wincri-cniops';
const TIMEOUT_S = 3;
const HRESULTS: HResultName[] = ['E_FAIL', 'HCS_E_SERVICE_NOT_AVAILABLE', 'E_ACCESSDENIED', 'HCS_E_OPERATION_TIMEOUT'];
type Rpc = 'RunPodSandbox' | 'CreateContainer' | 'StopPodSandbox';
/** Wire operation → the RPC whose CNI ADD/DEL (or storage step) calls it. */
const OPS: [FaultOp, Rpc][] = [
  ['queryNamespace', 'RunPodSandbox'], ['enumerateNetworks', 'RunPodSandbox'], ['createNetwork', 'RunPodSandbox'],
  ['enumerateEndpoints', 'RunPodSandbox'], ['expandWritableLayer', 'CreateContainer'], ['enumerateEndpoints', 'StopPodSandbox'],
];
const HUNG: [FaultOp, Rpc][] = [['createNetwork', 'RunPodSandbox'], ['enumerateEndpoints', 'RunPodSandbox'], ['expandWritableLayer', 'CreateContainer']];

let env: Env;
let n = 0;
let preLeaks = new Set<string>();
before(async () => {
  if (skip) return;
  env = await startEnv(NAME, `limits:\n  platformCallTimeoutSeconds: ${TIMEOUT_S}\n`);
  preLeaks = new Set(leakAudit(env).keys);
});
after(() => stopEnv(env));

/** The HNS network of the conf, removed so that the next ADD creates it (no endpoint is on it between cases). */
async function dropNetwork(): Promise<void> {
  for (const net of await env.platform.network.enumerateNetworks()) if (net.Name === NAME) await env.platform.network.deleteNetwork(net.ID!);
}
const networkExists = async () => (await env.platform.network.enumerateNetworks()).some((x) => x.Name === NAME);

/** A container asking for a 2 GiB scratch (CRI rootfs_size_in_bytes → expandWritableLayer). */
async function createContainer(pod: Pod, attempt: number, timeoutMs = 60_000): Promise<void> {
  pod.ctr = (await call(env.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: {
      metadata: { name: 'c', attempt }, image: { image: env.imageId }, command: ['sleep', '600'], logPath: `c${attempt}.log`,
      windows: { resources: { rootfsSizeInBytes: 2 * 1024 * 1024 * 1024 } },
    },
  }, timeoutMs)).containerId;
}

/** Before the faulted RPC: the pod it needs (none for RunPodSandbox), the network absent for createNetwork. */
async function prepare(op: FaultOp, rpc: Rpc): Promise<Pod> {
  const pod = newPod(env, `c${n++}`);
  if (rpc !== 'RunPodSandbox') await continuePod(env, pod, ['RunPodSandbox']);
  if (op === 'createNetwork') await dropNetwork();
  return pod;
}
function invoke(pod: Pod, rpc: Rpc, timeoutMs = 60_000): Promise<unknown> {
  if (rpc === 'RunPodSandbox') return continuePod(env, pod, ['RunPodSandbox'], timeoutMs);
  if (rpc === 'CreateContainer') return createContainer(pod, n, timeoutMs);
  return call(env.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id }, timeoutMs);
}

/** After the failed RPC: its retry succeeds, then the pod goes and nothing is left. */
async function retry(pod: Pod, rpc: Rpc, base: Awaited<ReturnType<typeof objects>>, where: string): Promise<void> {
  await invoke(pod, rpc);
  if (rpc === 'CreateContainer') {
    await call(env.d.runtime, 'StartContainer', { containerId: pod.ctr });
    assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr })).status.state, 'CONTAINER_RUNNING', where);
  }
  if (rpc === 'RunPodSandbox') assert.equal((await call(env.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id })).status.state, 'SANDBOX_READY', where);
  if (rpc === 'StopPodSandbox') assert.equal((await call(env.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id })).status.state, 'SANDBOX_NOTREADY', where);
  assert.ok(await networkExists(), `${where}: the network is there after the retry`);
  await removePod(env, pod.id);
  await expectObjects(env, base, `${where}: after the retry and removal`);
}

for (const [op, rpc] of OPS) {
  test(`${op} failing in ${rpc}: mapped code, actionable message, rollback, retry succeeds`, { skip }, async () => {
    for (const hr of HRESULTS) {
      const base = await objects(env);
      const pod = await prepare(op, rpc);
      const before = await objects(env);
      const where = `${op} × ${hr} in ${rpc}`;
      await failOnce(env.platform, op, hr, () => invoke(pod, rpc), where);
      if (rpc === 'StopPodSandbox') {
        // A failed teardown keeps the pod listed; nothing is forgotten.
        assert.ok((await call(env.d.runtime, 'ListPodSandbox', {})).items.some((p: { id: string }) => p.id === pod.id), `${where}: the pod was forgotten`);
      } else {
        await expectObjects(env, before, where);
      }
      await retry(pod, rpc, base, where);
    }
  });
}

for (const [op, rpc] of HUNG) {
  test(`${op} hanging in ${rpc}: DeadlineExceeded naming the deadline; late work undone; retry succeeds`, { skip }, async () => {
    const base = await objects(env);
    const pod = await prepare(op, rpc);
    const before = await objects(env);
    const where = `${op} hanging in ${rpc}`;
    await hangOnce(env, op, () => invoke(pod, rpc), where, TIMEOUT_S);
    // The late network is deleted again (the retry makes it anew); nothing else the RPC made is left.
    await expectObjects(env, before, where);
    await retry(pod, rpc, base, where);
  });
}

test('the leak audit finds nothing new after the CNI and storage faults', { skip }, () => {
  const a = leakAudit(env);
  assert.deepEqual(a.keys.filter((k) => !preLeaks.has(k)), [], a.out);
});
