/**
 * Fault matrix: every HCS/HCN/storage operation the pod lifecycle uses, failed with each HRESULT class the runtime
 * maps. For each: the RPC that made the call returns the mapped gRPC code with a message naming the operation, the
 * HRESULT and what to do; nothing it created is left (compute system, HNS namespace/endpoint, scratch); a retry
 * after the fault is cleared succeeds; and at the end the leak audit (doctor --leaks) finds nothing.
 * WINCRI_FAULTS=full runs every HRESULT of the status table instead of the CI subset.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import type { HResultName } from '../../../src/platform/hresult.js';
import { HRESULT_STATUS } from '../../../src/cri/errors.js';
import { skip, leakAudit, startEnv, stopEnv, objects, continuePod, newPod, removePod, expectObjects, failOnce, type Env, type FaultOp, type Step } from './common.js';

/** Operation (the emulator's wire name) → the RPC of the pod lifecycle that calls it. */
const CREATE_OPS: [FaultOp, Step][] = [
  ['createNamespace', 'RunPodSandbox'], ['createEndpoint', 'RunPodSandbox'], ['modifyNamespace', 'RunPodSandbox'],
  ['initializeWritableLayer', 'CreateContainer'], ['attachLayerStorageFilter', 'CreateContainer'], ['getLayerMountPath', 'CreateContainer'],
  ['createContainerDirectory', 'CreateContainer'], ['createSystem', 'StartContainer'],
  ['startSystem', 'StartContainer'], ['createProcess', 'StartContainer'],
];
const SUBSET: HResultName[] = ['E_FAIL', 'HCS_E_SERVICE_NOT_AVAILABLE', 'E_ACCESSDENIED', 'HCS_E_OPERATION_TIMEOUT'];
const HRESULTS: HResultName[] = process.env.WINCRI_FAULTS === 'full'
  ? [...new Set<HResultName>(['E_FAIL', 'E_OUTOFMEMORY', ...(Object.keys(HRESULT_STATUS) as HResultName[])])] : SUBSET;
/** createProcess failures the caller's command causes map to FailedPrecondition (src/cri/errors.ts CALLER_FAULTS). */
const CALLER: Partial<Record<HResultName, Status>> = { ERROR_FILE_NOT_FOUND: Status.FAILED_PRECONDITION, ERROR_PATH_NOT_FOUND: Status.FAILED_PRECONDITION, ERROR_DIRECTORY: Status.FAILED_PRECONDITION };
const expected = (op: FaultOp, hr: HResultName): Status =>
  (op === 'createProcess' && CALLER[hr]) || (op === 'createContainerDirectory' && hr === 'ERROR_DIRECTORY' && Status.FAILED_PRECONDITION) || HRESULT_STATUS[hr] || Status.INTERNAL;

let env: Env;
let n = 0;
let preLeaks = new Set<string>();
const audit = () => leakAudit(env);
before(async () => { if (skip) return; env = await startEnv('wincri-faults'); preLeaks = new Set(audit().keys); });
after(() => stopEnv(env));

for (const [op, step] of CREATE_OPS) {
  test(`${op} failing in ${step}: mapped code, actionable message, rollback, retry succeeds`, { skip }, async () => {
    for (const hr of HRESULTS) {
      const base = await objects(env);
      const name = `f${n++}`;
      const steps: Step[] = ['RunPodSandbox', 'CreateContainer', 'StartContainer'];
      const upTo = steps.slice(0, steps.indexOf(step));
      const pod = await continuePod(env, newPod(env, name), upTo);
      const before = await objects(env);
      const where = `${op} × ${hr} in ${step}`;
      await failOnce(env.platform, op, hr, () => continuePod(env, pod, [step]), where, expected(op, hr));
      // Rollback: nothing the failed RPC created is left (a container whose start failed stays, as CRI wants).
      await expectObjects(env, before, where);
      // Retry after clearing the fault.
      if (step === 'RunPodSandbox') await continuePod(env, pod, ['RunPodSandbox']);
      else if (step === 'CreateContainer') await retryCreateStart(pod, false);
      else await retryCreateStart(pod, true);
      await removePod(env, pod.id);
      await expectObjects(env, base, `${where}: after the retry and removal`);
    }
  });
}

/** A retried CreateContainer (+ StartContainer) in the existing pod; a container whose start failed is removed first. */
async function retryCreateStart(pod: { id: string; config: unknown; ctr?: string }, removeFirst: boolean): Promise<void> {
  const { call } = await import('../harness.js');
  if (removeFirst && pod.ctr) await call(env.d.runtime, 'RemoveContainer', { containerId: pod.ctr });
  pod.ctr = (await call(env.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name: 'c', attempt: 1 }, image: { image: env.imageId }, command: ['sleep', '600'], logPath: 'c1.log', workingDir: 'C:\\app\\work' },
  })).containerId;
  await call(env.d.runtime, 'StartContainer', { containerId: pod.ctr });
  const st = await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr });
  assert.equal(st.status.state, 'CONTAINER_RUNNING');
}

test('the leak audit finds nothing new after the matrix', { skip }, () => {
  const a = audit();
  assert.deepEqual(a.keys.filter((k) => !preLeaks.has(k)), [], a.out);
});
