/**
 * A hung container process creation (HcsCreateProcess, made by the IO keeper for StartContainer) has the same
 * per-call deadline as the daemon's own platform calls: while it hangs another pod's whole lifecycle completes;
 * the hung StartContainer fails with DeadlineExceeded naming the call and limits.platformCallTimeoutSeconds (it
 * was an Unavailable "IO keeper did not answer start within 30000 ms", whatever the limit); the container is
 * reported exited; the late process is undone; a new container in the same pod starts; nothing is left.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { call } from '../harness.js';
import { skip, startEnv, stopEnv, objects, continuePod, newPod, removePod, expectObjects, lateAnswers, releaseHang, type Env } from './common.js';

let env: Env;
before(async () => { if (!skip) env = await startEnv('wincri-hangproc', 'limits:\n  platformCallTimeoutSeconds: 3\n'); });
after(() => stopEnv(env));

const keeperLog = () => { try { return readFileSync(join(env.d.root, 'io', 'keeper.log'), 'utf8'); } catch { return ''; } };

test('createProcess hanging in StartContainer: other pods go on; DeadlineExceeded naming the deadline; late process undone; retry succeeds', { skip }, async () => {
  const base = await objects(env);
  const pod = await continuePod(env, newPod(env, 'hp'), ['RunPodSandbox', 'CreateContainer']);
  const late = lateAnswers(keeperLog());
  // Held until released below (10 s at most): past the start's deadline and the other pod's lifecycle.
  await env.platform.injectFault('createProcess', 0, 1, 10_000);
  const hung = continuePod(env, pod, ['StartContainer'], 120_000).then(() => undefined, (e: ServiceError) => e);
  await env.d.waitFor('the createProcess fault to fire', () => env.d.fullLog().includes('fault fired: createProcess '), 30_000);
  const other = await continuePod(env, newPod(env, 'ho'), ['RunPodSandbox', 'CreateContainer', 'StartContainer']);
  assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: other.ctr })).status.state, 'CONTAINER_RUNNING');
  await removePod(env, other.id);
  const err = await hung;
  await releaseHang(env, 'createProcess');
  assert.ok(err, 'the hung StartContainer succeeded');
  assert.equal(Status[err.code], 'DEADLINE_EXCEEDED', err.details);
  assert.match(err.details, /createProcess/, err.details);
  assert.match(err.details, /HCS_E_OPERATION_TIMEOUT/, err.details);
  assert.match(err.details, /within 3s \(limits\.platformCallTimeoutSeconds\)/, err.details);
  assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr })).status.state, 'CONTAINER_EXITED');
  // Released, the call ends in the service; the keeper undoes what it made.
  await env.d.waitFor('the late answer of createProcess in the keeper', () => lateAnswers(keeperLog()) > late, 30_000);
  await call(env.d.runtime, 'RemoveContainer', { containerId: pod.ctr });
  await continuePod(env, pod, ['CreateContainer', 'StartContainer']);
  assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr })).status.state, 'CONTAINER_RUNNING', 'the retry succeeded');
  await removePod(env, pod.id);
  await expectObjects(env, base, 'createProcess hang: after removal');
});
