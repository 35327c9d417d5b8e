/**
 * CreateContainer writes the container's record beside the platform's record of the storage attachment
 * (attachLayerStorageFilter recordLater): the id is handed out only once both are durable, and a platform record
 * that cannot be made undoes the whole create. StartContainer's RUNNING record is written after the reply;
 * Runtime.flush waits for it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeEnv, sandboxConfig, containerConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { HRESULT, isPlatformError } from '../../../src/platform/hresult.js';

let env: RuntimeEnv;
before(async () => { env = await runtimeEnv({ streaming: false }); });
after(async () => { await env.close(); });

test('a storage record the platform cannot make fails CreateContainer and leaves nothing behind; a retry works', async () => {
  const podId = await env.runtime.runPodSandbox(sandboxConfig('pod-rec', env.logDir), '');
  const config = containerConfig('rec', env.imageId, ['sleep', '100000']);
  await env.platform.injectFault('layerRecorded', HRESULT.E_FAIL);
  await assert.rejects(env.runtime.createContainer(podId, config), (e) => isPlatformError(e, 'E_FAIL'));
  assert.deepEqual(env.runtime.containersOf(podId), []);
  assert.deepEqual(readdirSync(join(env.dir, 'state', 'containers')).filter((f) => f.endsWith('.json')), []);
  assert.deepEqual(existsSync(join(env.dir, 'containers')) ? readdirSync(join(env.dir, 'containers')) : [], [], 'scratch left behind');
  const id = await env.runtime.createContainer(podId, config);
  assert.equal(env.runtime.getContainer(id).state, 'CONTAINER_CREATED');
  await env.runtime.startContainer(id);
  await env.runtime.flush();
  const stored = JSON.parse(readFileSync(join(env.dir, 'state', 'containers', `${id}.json`), 'utf8')) as { state: string; pid: number };
  assert.deepEqual([stored.state, stored.pid], ['CONTAINER_RUNNING', env.runtime.getContainer(id).pid]);
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('a working directory that cannot be made (while the record is written) fails CreateContainer and leaves nothing behind', async () => {
  const podId = await env.runtime.runPodSandbox(sandboxConfig('pod-cwd', env.logDir), '');
  const config = containerConfig('cwd', env.imageId, ['sleep', '100000'], { workingDir: 'C:\\work\\dir' });
  // Delayed: the container's record is on disk before the failure arrives, and must be removed again.
  await env.platform.injectFault('createContainerDirectory', HRESULT.E_FAIL, 1, 300);
  await assert.rejects(env.runtime.createContainer(podId, config), (e) => isPlatformError(e, 'E_FAIL'));
  assert.deepEqual(env.runtime.containersOf(podId), []);
  assert.deepEqual(readdirSync(join(env.dir, 'state', 'containers')).filter((f) => f.endsWith('.json')), []);
  assert.deepEqual(existsSync(join(env.dir, 'containers')) ? readdirSync(join(env.dir, 'containers')) : [], [], 'scratch left behind');
  const id = await env.runtime.createContainer(podId, config);
  assert.equal(env.runtime.getContainer(id).state, 'CONTAINER_CREATED');
  await env.runtime.removeContainer(id);
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});
