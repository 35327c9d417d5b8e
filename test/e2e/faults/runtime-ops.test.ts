/**
 * Fault injection of the platform operations the RPCs beyond the pod lifecycle use (the lifecycle's own are in
 * matrix.test.ts and teardown.test.ts): opening a container and its process for StopContainer (a process that cannot
 * be opened is ended with its system: that stop succeeds), its graceful-stop signal, an
 * ExecSync's process, ContainerStats' properties, UpdateContainerResources' modify, a pull's layer import. Each
 * failing call (every HRESULT of the CI subset) makes its RPC return the mapped code with a message naming the
 * HRESULT, leaves the container as it was (a container that failed to stop is still running, its processes too),
 * and the retry succeeds; a failing graceful-stop signal falls back to terminating the container.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../harness.js';
import { HRESULT, type HResultName } from '../../../src/platform/hresult.js';
import { skip, leakAudit, startEnv, stopEnv, objects, runPod, removePod, expectObjects, failOnce as failFault, type Env, type FaultOp } from './common.js';

const HRESULTS: HResultName[] = ['E_FAIL', 'HCS_E_SERVICE_NOT_AVAILABLE', 'E_ACCESSDENIED'];
let env: Env;
let n = 0;
let preLeaks = new Set<string>();
before(async () => { if (skip) return; env = await startEnv('wincri-opfaults'); preLeaks = new Set(leakAudit(env).keys); });
after(() => stopEnv(env));

const failOnce = (op: FaultOp, hr: HResultName, rpc: () => Promise<unknown>, where: string) => failFault(env.platform, op, hr, rpc, where);

const state = async (ctr: string) => (await call(env.d.runtime, 'ContainerStatus', { containerId: ctr })).status.state as string;

test('openSystem failing in StopContainer: mapped code, the container is still running (not reported exited), retry stops it', { skip }, async () => {
  const op: FaultOp = 'openSystem';
  for (const hr of HRESULTS) {
    const base = await objects(env);
    const pod = await runPod(env, `so${n++}`);
    const where: string = `${op} × ${hr} in StopContainer`;
    await failOnce(op, hr, () => call(env.d.runtime, 'StopContainer', { containerId: pod.ctr, timeout: 0 }), where);
    assert.equal(await state(pod.ctr!), 'CONTAINER_RUNNING', `${where}: the container was reported stopped though nothing stopped it`);
    const running = (await env.platform.compute.enumerateComputeSystems()).map((s) => s.Id);
    assert.ok(running.includes(pod.ctr), `${where}: the compute system is gone`);
    await call(env.d.runtime, 'StopContainer', { containerId: pod.ctr, timeout: 0 });
    assert.equal(await state(pod.ctr!), 'CONTAINER_EXITED', `${where}: the retry stopped it`);
    await removePod(env, pod.id);
    await expectObjects(env, base, where);
  }
});

// The compute system opened: a process that cannot be opened (HCS_E_INVALID_STATE is what a stopped system answers)
// is ended with its system, and the stop succeeds rather than failing every retry.
test('openProcess failing in StopContainer: the compute system is terminated and the exit recorded', { skip }, async () => {
  for (const hr of [...HRESULTS, 'HCS_E_INVALID_STATE'] as HResultName[]) {
    const base = await objects(env);
    const pod = await runPod(env, `sp${n++}`);
    const where = `openProcess × ${hr} in StopContainer`;
    await env.platform.injectFault('openProcess', HRESULT[hr], 1);
    await call(env.d.runtime, 'StopContainer', { containerId: pod.ctr, timeout: 0 });
    await env.platform.clearFaults('openProcess');
    assert.equal(await state(pod.ctr!), 'CONTAINER_EXITED', `${where}: the stop recorded the exit`);
    await removePod(env, pod.id);
    await expectObjects(env, base, where);
  }
});

test('signalProcess failing in a graceful StopContainer: the container is terminated after its grace period', { skip }, async () => {
  const base = await objects(env);
  const pod = await runPod(env, `sg${n++}`);
  await env.platform.injectFault('signalProcess', HRESULT.E_FAIL, 1);
  await call(env.d.runtime, 'StopContainer', { containerId: pod.ctr, timeout: 1 });
  await env.platform.clearFaults('signalProcess');
  assert.equal(await state(pod.ctr!), 'CONTAINER_EXITED');
  await removePod(env, pod.id);
  await expectObjects(env, base, 'signalProcess');
});

test('createProcess failing in ExecSync, systemProperties in ContainerStats, modifySystem in UpdateContainerResources: mapped code; the container runs on; retry succeeds', { skip }, async () => {
  const base = await objects(env);
  const pod = await runPod(env, `x${n++}`);
  const cases: [FaultOp, string, () => Promise<unknown>][] = [
    ['createProcess', 'ExecSync', () => call(env.d.runtime, 'ExecSync', { containerId: pod.ctr, cmd: ['sh', '-c', 'echo ok'], timeout: 30 })],
    ['systemProperties', 'ContainerStats', () => call(env.d.runtime, 'ContainerStats', { containerId: pod.ctr })],
    ['modifySystem', 'UpdateContainerResources', () => call(env.d.runtime, 'UpdateContainerResources', { containerId: pod.ctr, windows: { memoryLimitInBytes: 512 * 1024 * 1024 } })],
  ];
  for (const [op, rpc, invoke] of cases) {
    for (const hr of HRESULTS) {
      const where = `${op} × ${hr} in ${rpc}`;
      await failOnce(op, hr, invoke, where);
      assert.equal(await state(pod.ctr!), 'CONTAINER_RUNNING', where);
      const r = await invoke() as { exitCode?: number; stdout?: Buffer };
      if (rpc === 'ExecSync') assert.equal(r.exitCode, 0, `${where}: the retry ran`);
    }
  }
  await removePod(env, pod.id);
  await expectObjects(env, base, 'exec/stats/update faults');
});

test('the leak audit finds nothing new after the operation faults', { skip }, () => {
  const a = leakAudit(env);
  assert.deepEqual(a.keys.filter((k) => !preLeaks.has(k)), [], a.out);
});
