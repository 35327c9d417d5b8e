/**
 * The daemon waits long for a keeper answer (a start may wait two platform calls of limits.platformCallTimeoutSeconds,
 * 240 s by default), but a wedged or stopped keeper is found by its liveness pings (container-io/keeper-liveness.ts),
 * not after that wait: with the keeper SIGSTOPped while a start is outstanding, the start fails with Unavailable
 * naming the stuck keeper, the daemon kills it and a new keeper serves. A slow platform call (a hang longer than the
 * liveness timeout, shorter than the limit) is not mistaken for a stuck keeper: its start succeeds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { call } from '../harness.js';
import { skip, startEnv, stopEnv, objects, continuePod, newPod, removePod, expectObjects, type Env } from './common.js';

/** The daemon's keeper liveness timeout here (10 s by default): a stopped keeper is found within about 4 s. */
const LIVENESS_MS = 3000;
process.env.WINCRI_KEEPER_LIVENESS_TIMEOUT_MS = String(LIVENESS_MS);

let env: Env;
let stopped: number | undefined;
before(async () => { if (!skip) env = await startEnv('wincri-wedged'); });
after(async () => {
  if (stopped) { try { process.kill(stopped, 'SIGKILL'); } catch { /* killed by the daemon */ } }
  await stopEnv(env);
});

const keeperPid = () => Number(readFileSync(join(env.d.root, 'io', 'keeper.pid'), 'utf8').trim());
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const fired = () => env.d.fullLog().match(/fault fired: createProcess /g)?.length ?? 0;

test('a slow createProcess (twice the liveness timeout) still starts the container', { skip }, async () => {
  const pod = await continuePod(env, newPod(env, 'slow'), ['RunPodSandbox', 'CreateContainer']);
  const pid = keeperPid();
  await env.platform.injectFault('createProcess', 0, 1, 2 * LIVENESS_MS);
  await continuePod(env, pod, ['StartContainer'], 120_000);
  assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: pod.ctr })).status.state, 'CONTAINER_RUNNING');
  assert.equal(keeperPid(), pid, 'the keeper was not replaced');
  await removePod(env, pod.id);
});

test('a keeper stopped (SIGSTOP) while a start is outstanding: Unavailable naming it, killed, replaced; nothing left', { skip }, async () => {
  const base = await objects(env);
  const pod = await continuePod(env, newPod(env, 'wedged'), ['RunPodSandbox', 'CreateContainer']);
  const pid = keeperPid();
  const before = fired();
  await env.platform.injectFault('createProcess', 0, 1, 25_000);
  // The call deadline (90 s) is far below the daemon's wait for a keeper answer (485 s): only the probe ends it.
  const start = continuePod(env, pod, ['StartContainer'], 90_000).then(() => undefined, (e: ServiceError) => e);
  await env.d.waitFor('the createProcess fault to fire', () => fired() > before, 30_000);
  process.kill(pid, 'SIGSTOP');
  stopped = pid;
  const err = await start;
  assert.ok(err, 'the start succeeded with its keeper stopped');
  assert.equal(Status[err.code], 'UNAVAILABLE', err.details);
  assert.match(err.details, /stopped answering.*liveness ping/, err.details);
  await env.d.waitFor('the stopped keeper to be killed', () => !alive(pid), 30_000);
  stopped = undefined;
  await env.d.waitFor('a new keeper', () => keeperPid() !== pid && alive(keeperPid()), 30_000);
  const again = await continuePod(env, newPod(env, 'after'), ['RunPodSandbox', 'CreateContainer', 'StartContainer'], 120_000);
  assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: again.ctr })).status.state, 'CONTAINER_RUNNING');
  await removePod(env, again.id);
  await removePod(env, pod.id);
  await expectObjects(env, base, 'stopped keeper: after removal');
});
