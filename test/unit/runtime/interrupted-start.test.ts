/**
 * A daemon crash in the middle of StartContainer leaves a CREATED record while the compute system (and maybe the
 * keeper's process) exists. Recovery by a new runtime on the same state must adopt a running process, or remove
 * a system nobody started, so that no process runs without a RUNNING record and the container stays startable.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeEnv, runContainer, sandboxConfig, containerConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { Runtime, OWNER } from '../../../src/runtime/runtime.js';
import { nowNs } from '../../../src/runtime/model.js';

let env: RuntimeEnv;
before(async () => { env = await runtimeEnv({ streaming: false }); });
after(async () => { await env.close(); });

/** Rewrites the stored record as it was before StartContainer saved RUNNING (once that write has landed). */
async function rewindToCreated(id: string): Promise<void> {
  await env.runtime.flush();
  const file = join(env.dir, 'state', 'containers', `${id}.json`);
  const rec = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  rec.state = 'CONTAINER_CREATED';
  delete rec.pid;
  rec.startedAt = '0';
  writeFileSync(file, JSON.stringify(rec));
}

async function systemIds(): Promise<string[]> {
  return (await env.platform.compute.enumerateComputeSystems({ Owners: [OWNER] })).map((s) => s.Id ?? '');
}

test('a process the keeper started is adopted as RUNNING, with its pid', async () => {
  const { id } = await runContainer(env, 'adopt', ['sleep', '100000']);
  const { pid, createdAt } = env.runtime.getContainer(id);
  await rewindToCreated(id);
  const beforeRecovery = BigInt(nowNs());
  const rt = await Runtime.open(env.runtime.opts);
  await rt.recover();
  const c = rt.getContainer(id);
  assert.equal(c.state, 'CONTAINER_RUNNING');
  assert.equal(c.pid, pid);
  // The start time is the keeper's, from before the crash, not the moment of recovery.
  assert.ok(BigInt(c.startedAt) >= BigInt(createdAt) && BigInt(c.startedAt) < beforeRecovery, `startedAt ${c.startedAt}`);
  assert.ok((await systemIds()).includes(id));
  await rt.stopContainer(id, 5);
  assert.equal(rt.getContainer(id).state, 'CONTAINER_EXITED');
});

test('a compute system created but never started by the keeper is removed; the container starts later', async () => {
  const podId = await env.runtime.runPodSandbox(sandboxConfig('pod-half', env.logDir), '');
  const id = await env.runtime.createContainer(podId, containerConfig('half', env.imageId, ['sleep', '100000']));
  // The crash came after HcsCreateComputeSystem: the system exists, the keeper never heard of the container.
  const doc = env.runtime.systemDocument(env.runtime.mustContainer(id).spec, env.runtime.mustContainer(id).storagePath, env.runtime.mustContainer(id).layers);
  (await env.platform.compute.createComputeSystem(id, doc)).close();
  assert.ok((await systemIds()).includes(id));
  const rt = await Runtime.open(env.runtime.opts);
  await rt.recover();
  assert.equal(rt.getContainer(id).state, 'CONTAINER_CREATED');
  assert.ok(!(await systemIds()).includes(id), 'the half-made system is gone');
  await rt.startContainer(id);
  assert.equal(rt.getContainer(id).state, 'CONTAINER_RUNNING');
  await rt.stopContainer(id, 5);
});
