/**
 * Fault injection of the job-container calls of HostProcess containers: createJob (StartContainer creates the job
 * container), openJob (the IO keeper opens it to start the init process; StopContainer opens it to stop it). Each
 * fails with every HRESULT class of the CI subset: the RPC answers the mapped code with a message naming the HRESULT
 * and what to do; a failed start leaves no job container and the container EXITED (StartError), a failed stop
 * leaves it running; the retry succeeds; nothing is left. A hung createJob / openJob fails its RPC with
 * DeadlineExceeded while another HostProcess pod starts; the late job container is undone.
 * (RunPodSandbox of a HostProcess pod makes no platform object: the pod is host-network and has no sandbox system.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, podConfig } from '../harness.js';
import { skip, leakAudit, startEnv, stopEnv, failOnce, type Env, type FaultOp } from './common.js';
import { HRESULTS, snapshot, expectSnapshot, hangPastDeadline, stateOf, type Snapshot } from './steps.js';

const TIMEOUT_S = 3;
const HOST_PROCESS = { securityContext: { hostProcess: true, runAsUsername: 'NT AUTHORITY\\SYSTEM' } };
interface HpcPod { id: string; config: ReturnType<typeof podConfig> }

let env: Env;
let n = 0;
let preLeaks = new Set<string>();
before(async () => {
  if (skip) return;
  env = await startEnv('wincri-hpcops', `limits:\n  platformCallTimeoutSeconds: ${TIMEOUT_S}\n`);
  preLeaks = new Set(leakAudit(env).keys);
});
after(() => stopEnv(env));

async function hpcPod(): Promise<HpcPod> {
  const name = `hp${n++}`;
  const config = podConfig(name, join(env.d.logDir, name), { windows: HOST_PROCESS });
  mkdirSync(config.logDirectory, { recursive: true });
  return { id: (await call(env.d.runtime, 'RunPodSandbox', { config })).podSandboxId, config };
}
async function createHpc(pod: HpcPod): Promise<string> {
  const attempt = n++;
  return (await call(env.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name: `c${attempt}`, attempt: 0 }, image: { image: env.imageId }, command: ['sleep', '600'], logPath: `c${attempt}.log`, windows: HOST_PROCESS },
  })).containerId;
}
const start = (ctr: string, timeoutMs = 60_000) => call(env.d.runtime, 'StartContainer', { containerId: ctr }, timeoutMs);
const stop = (ctr: string, timeoutMs = 60_000) => call(env.d.runtime, 'StopContainer', { containerId: ctr, timeout: 0 }, timeoutMs);
async function removeHpcPod(pod: HpcPod): Promise<void> {
  await call(env.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(env.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
}

/** After a failed start: the container is EXITED (StartError) and nothing of its start is left; it is removed. */
async function afterFailedStart(ctr: string, before: Snapshot, where: string): Promise<void> {
  await expectSnapshot(env, before, where);
  const st = (await call(env.d.runtime, 'ContainerStatus', { containerId: ctr })).status;
  assert.equal(st.state, 'CONTAINER_EXITED', where);
  assert.equal(st.reason, 'StartError', where);
  await call(env.d.runtime, 'RemoveContainer', { containerId: ctr });
}

/** The retry: a new container of the pod starts (after any number of failed ones). */
async function retryStart(pod: HpcPod, where: string): Promise<void> {
  const again = await createHpc(pod);
  await start(again);
  assert.equal(await stateOf(env, again), 'CONTAINER_RUNNING', `${where}: the retry runs`);
}

const START_OPS: FaultOp[] = ['createJob', 'openJob'];
for (const op of START_OPS) {
  test(`${op} failing in a HostProcess StartContainer: mapped code, actionable message, no job left, retry succeeds`, { skip }, async () => {
    const base = await snapshot(env);
    const pod = await hpcPod();
    for (const hr of HRESULTS) {
      const ctr = await createHpc(pod);
      const before = await snapshot(env);
      const where: string = `${op} × ${hr} in StartContainer`;
      await failOnce(env.platform, op, hr, () => start(ctr), where);
      await afterFailedStart(ctr, before, where);
    }
    await retryStart(pod, `${op} in StartContainer`);
    await removeHpcPod(pod);
    await expectSnapshot(env, base, `${op} in StartContainer: after removal`);
  });
}

test('openJob failing in a HostProcess StopContainer: mapped code, the container still runs, retry stops it', { skip }, async () => {
  const op: FaultOp = 'openJob';
  const base = await snapshot(env);
  const pod = await hpcPod();
  const ctr = await createHpc(pod);
  await start(ctr);
  for (const hr of HRESULTS) {
    const where: string = `${op} × ${hr} in StopContainer`;
    await failOnce(env.platform, op, hr, () => stop(ctr), where);
    assert.equal(await stateOf(env, ctr), 'CONTAINER_RUNNING', `${where}: reported stopped though nothing stopped it`);
    assert.ok((await snapshot(env)).jobs.includes(ctr), `${where}: the job container is gone`);
  }
  await stop(ctr);
  assert.equal(await stateOf(env, ctr), 'CONTAINER_EXITED', 'openJob in StopContainer: the retry stopped it');
  await removeHpcPod(pod);
  await expectSnapshot(env, base, `${op} in StopContainer: after removal`);
});

test('createJob hanging in StartContainer: another HostProcess container starts meanwhile; DeadlineExceeded; the late job undone; retry succeeds', { skip }, async () => {
  const base = await snapshot(env);
  const pod = await hpcPod();
  const ctr = await createHpc(pod);
  const before = await snapshot(env);
  const other = await hpcPod();
  const otherCtr = await createHpc(other);
  await hangPastDeadline(env, 'createJob', () => start(ctr), 'createJob hanging', TIMEOUT_S, async () => {
    await start(otherCtr);
    assert.equal(await stateOf(env, otherCtr), 'CONTAINER_RUNNING', 'the other HostProcess container runs');
  });
  await removeHpcPod(other);
  await afterFailedStart(ctr, before, 'createJob hanging: after the late answer');
  await retryStart(pod, 'createJob hanging');
  await removeHpcPod(pod);
  await expectSnapshot(env, base, 'createJob hanging: after removal');
});

test('openJob hanging in StopContainer: another HostProcess container stops meanwhile; DeadlineExceeded; the container still runs; retry stops it', { skip }, async () => {
  const base = await snapshot(env);
  const pod = await hpcPod();
  const [ctr, otherCtr] = [await createHpc(pod), await createHpc(pod)];
  for (const c of [ctr, otherCtr]) await start(c);
  await hangPastDeadline(env, 'openJob', () => stop(ctr), 'openJob hanging', TIMEOUT_S, async () => {
    await stop(otherCtr);
    assert.equal(await stateOf(env, otherCtr), 'CONTAINER_EXITED', 'the other container stopped');
  });
  assert.equal(await stateOf(env, ctr), 'CONTAINER_RUNNING', 'a stop that timed out opening the job reported it stopped');
  await stop(ctr);
  assert.equal(await stateOf(env, ctr), 'CONTAINER_EXITED', 'the retry stopped it');
  await removeHpcPod(pod);
  await expectSnapshot(env, base, 'openJob hanging: after removal');
});

test('the leak audit finds nothing new after the job-container faults', { skip }, () => {
  const a = leakAudit(env);
  assert.deepEqual(a.keys.filter((k) => !preLeaks.has(k)), [], a.out);
});
