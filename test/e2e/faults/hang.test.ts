/**
 * A hung platform call never wedges other pods: with one HCS/HCN/storage operation hanging in the emulator
 * service, another pod's whole lifecycle completes; the hung RPC fails with DeadlineExceeded after
 * limits.platformCallTimeoutSeconds and says so; what the call does late is undone (nothing leaks); a retry succeeds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { call } from '../harness.js';
import { skip, startEnv, stopEnv, objects, continuePod, newPod, removePod, expectObjects, lateAnswers, releaseHang, type Env, type Step, type FaultOp } from './common.js';

/** Wire operation, the RPC that calls it, how the platform API (and so the error) names it. */
const HUNG: [FaultOp, Step, RegExp][] = [
  ['createNamespace', 'RunPodSandbox', /^createNamespace: /], ['createEndpoint', 'RunPodSandbox', /createEndpoint: /],
  ['initializeWritableLayer', 'CreateContainer', /^initializeWritableLayer: /],
  ['createSystem', 'StartContainer', /^createComputeSystem: /], ['startSystem', 'StartContainer', /^start of compute system [0-9a-f]{64}: /],
];
const STEPS: Step[] = ['RunPodSandbox', 'CreateContainer', 'StartContainer'];
let env: Env;
let n = 0;
before(async () => { if (!skip) env = await startEnv('wincri-hang', 'limits:\n  platformCallTimeoutSeconds: 3\n'); });
after(() => stopEnv(env));


for (const [op, step, named] of HUNG) {
  test(`${op} hanging in ${step}: other pods go on; DeadlineExceeded; late work undone; retry succeeds`, { skip }, async () => {
    const base = await objects(env);
    const pod = await continuePod(env, newPod(env, `h${n++}`), STEPS.slice(0, STEPS.indexOf(step)));
    const before = await objects(env);
    const fired = env.d.fullLog().split(`fault fired: ${op} `).length;
    // The abandoned call ends in the service either way: answered (and undone) or failed (nothing to undo).
    const late = lateAnswers(env.d.fullLog());
    // Held until released below (10 s at most): past the RPC's deadline and the other pod's lifecycle, whose
    // platform calls would time out too if the hang held up the service.
    await env.platform.injectFault(op, 0, 1, 10_000);
    const hung = continuePod(env, pod, [step]).then(() => undefined, (e: ServiceError) => e);
    await env.d.waitFor(`the ${op} fault to fire`, () => env.d.fullLog().split(`fault fired: ${op} `).length > fired, 30_000);
    // Meanwhile another pod runs its whole lifecycle, and the cheap RPCs answer.
    const other = await continuePod(env, newPod(env, `o${n++}`), STEPS);
    assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: other.ctr })).status.state, 'CONTAINER_RUNNING');
    assert.ok((await call(env.d.runtime, 'Version', {})).runtimeName);
    await removePod(env, other.id);
    const err = await hung;
    await releaseHang(env, op);
    assert.ok(err, `${op}: the hung RPC succeeded`);
    assert.equal(Status[err.code], 'DEADLINE_EXCEEDED', err.details);
    assert.match(err.details, named, err.details);
    assert.match(err.details, /HCS_E_OPERATION_TIMEOUT/);
    assert.match(err.details, /within 3s \(limits\.platformCallTimeoutSeconds\)/);
    // Released, the call completes in the service; whatever it made is undone. Waiting for the late answer first
    // keeps its short-lived object out of the next case's snapshots.
    await env.d.waitFor(`the late answer of ${op}`, () => lateAnswers(env.d.fullLog()) > late, 30_000);
    await expectObjects(env, before, `${op} after the late answer`);
    if (step === 'StartContainer') {
      const st = await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr });
      assert.equal(st.status.state, 'CONTAINER_EXITED', 'a container whose start timed out is reported exited');
      await call(env.d.runtime, 'RemoveContainer', { containerId: pod.ctr });
      await continuePod(env, pod, ['CreateContainer', 'StartContainer']);
    } else {
      await continuePod(env, pod, STEPS.slice(STEPS.indexOf(step)));
    }
    assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr })).status.state, 'CONTAINER_RUNNING', 'the retry succeeded');
    await removePod(env, pod.id);
    await expectObjects(env, base, `${op}: after removal`);
  });
}
