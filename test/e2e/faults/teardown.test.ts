/**
 * Fault matrix of teardown: StopContainer / StopPodSandbox / RemoveContainer / RemovePodSandbox while an HCS
 * terminate, an HNS endpoint/namespace delete or a storage detach/destroy fails (each HRESULT class of the CI
 * subset) or hangs. The RPC returns the mapped code with a message naming the HRESULT; the pod and container stay
 * listed with a consistent state (nothing is forgotten while its platform object remains); the same RPC succeeds
 * once the fault is cleared; nothing is left afterwards, and the leak audit (doctor --leaks) finds nothing new.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../harness.js';
import type { HResultName } from '../../../src/platform/hresult.js';
import { skip, leakAudit, startEnv, stopEnv, objects, runPod, removePod, expectObjects, failOnce, hangOnce, type Env, type FaultOp, type Pod } from './common.js';

type Rpc = 'StopContainer' | 'RemoveContainer' | 'StopPodSandbox' | 'RemovePodSandbox';
/** Wire operation (the emulator's name) → the teardown RPC that calls it. */
const TEARDOWN_OPS: [FaultOp, Rpc][] = [
  ['terminateProcess', 'StopContainer'], ['terminateSystem', 'StopContainer'],
  ['detachLayerStorageFilter', 'RemoveContainer'], ['destroyLayer', 'RemoveContainer'],
  ['modifyNamespace', 'StopPodSandbox'], ['deleteEndpoint', 'StopPodSandbox'], ['deleteNamespace', 'StopPodSandbox'], ['terminateSystem', 'StopPodSandbox'],
  ['deleteNamespace', 'RemovePodSandbox'], ['destroyLayer', 'RemovePodSandbox'],
];
const HRESULTS: HResultName[] = ['E_FAIL', 'HCS_E_SERVICE_NOT_AVAILABLE', 'E_ACCESSDENIED', 'HCS_E_OPERATION_TIMEOUT'];
const TIMEOUT_S = 3;

let env: Env;
let n = 0;
let preLeaks = new Set<string>();
const audit = () => leakAudit(env);
before(async () => {
  if (skip) return;
  env = await startEnv('wincri-teardown', `limits:\n  platformCallTimeoutSeconds: ${TIMEOUT_S}\n`);
  preLeaks = new Set(audit().keys);
});
after(() => stopEnv(env));

/** The RPC under test (RemoveContainer is preceded by a successful StopContainer so only removal is faulted). */
async function prepare(pod: Pod, rpc: Rpc): Promise<void> {
  if (rpc === 'RemoveContainer') await call(env.d.runtime, 'StopContainer', { containerId: pod.ctr, timeout: 0 });
}
function invoke(pod: Pod, rpc: Rpc, timeoutMs = 60_000): Promise<unknown> {
  const req = rpc.endsWith('Container') ? { containerId: pod.ctr, ...(rpc === 'StopContainer' ? { timeout: 0 } : {}) } : { podSandboxId: pod.id };
  return call(env.d.runtime, rpc, req, timeoutMs);
}

/** After a failed teardown RPC, what CRI lists is still coherent: the objects exist and report a valid state. */
async function expectConsistent(pod: Pod, rpc: Rpc, where: string): Promise<void> {
  const pods = (await call(env.d.runtime, 'ListPodSandbox', {})).items as { id: string; state: string }[];
  const p = pods.find((x) => x.id === pod.id);
  assert.ok(p, `${where}: the pod was forgotten though its teardown failed`);
  // A stop cut short is a pod not ready (its network may be gone already): the kubelet must not believe it fine.
  if (rpc === 'StopPodSandbox') assert.equal(p.state, 'SANDBOX_NOTREADY', `${where}: the pod is NOTREADY after a failed stop`);
  const ctrs = (await call(env.d.runtime, 'ListContainers', { filter: { podSandboxId: pod.id } })).containers as { id: string; state: string }[];
  const c = ctrs.find((x) => x.id === pod.ctr);
  if (rpc !== 'RemovePodSandbox') assert.ok(c, `${where}: the container was forgotten though its teardown failed`);
  if (c && (rpc === 'RemoveContainer' || rpc === 'RemovePodSandbox')) assert.equal(c.state, 'CONTAINER_EXITED', where);
}

async function afterFault(pod: Pod, rpc: Rpc, base: Awaited<ReturnType<typeof objects>>, where: string): Promise<void> {
  await expectConsistent(pod, rpc, where);
  await invoke(pod, rpc); // the retry once the fault is cleared
  if (rpc === 'StopContainer') assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr })).status.state, 'CONTAINER_EXITED', where);
  if (rpc === 'RemoveContainer') await assert.rejects(call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr }), /NOT_FOUND|not found/i, where);
  await removePod(env, pod.id);
  await expectObjects(env, base, `${where}: after the retry and removal`);
}

for (const [op, rpc] of TEARDOWN_OPS) {
  test(`${op} failing in ${rpc}: mapped code naming the HRESULT, state kept, retry succeeds, nothing left`, { skip }, async () => {
    for (const hr of HRESULTS) {
      const base = await objects(env);
      const pod = await runPod(env, `t${n++}`);
      await prepare(pod, rpc);
      const where = `${op} × ${hr} in ${rpc}`;
      await failOnce(env.platform, op, hr, () => invoke(pod, rpc), where);
      await afterFault(pod, rpc, base, where);
    }
  });
}

/** A hung teardown call: DeadlineExceeded after limits.platformCallTimeoutSeconds, then the retry succeeds. */
const HUNG: [FaultOp, Rpc][] = [
  ['terminateSystem', 'StopContainer'], ['destroyLayer', 'RemoveContainer'], ['deleteEndpoint', 'StopPodSandbox'], ['deleteNamespace', 'StopPodSandbox'],
];
for (const [op, rpc] of HUNG) {
  test(`${op} hanging in ${rpc}: DeadlineExceeded naming the deadline; retry succeeds; nothing left`, { skip }, async () => {
    const base = await objects(env);
    const pod = await runPod(env, `th${n++}`);
    await prepare(pod, rpc);
    const where = `${op} hanging in ${rpc}`;
    await hangOnce(env, op, () => invoke(pod, rpc), where, TIMEOUT_S);
    await afterFault(pod, rpc, base, where);
  });
}

test('the leak audit finds nothing new after the teardown faults', { skip }, () => {
  const a = audit();
  assert.deepEqual(a.keys.filter((k) => !preLeaks.has(k)), [], a.out);
});
