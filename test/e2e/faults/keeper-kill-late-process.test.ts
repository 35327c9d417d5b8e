/**
 * An IO keeper killed -9 while the emulator service is still creating a container's process (held at the fault
 * point after the process started, before it is recorded): the daemon fails the start and ends the container's
 * compute system; the process that the service completes afterwards must die with its system, not run on with
 * no container owning it (seen once in `npm run chaos` at 100 pods: two such processes after a keeper kill).
 * The failed start answers only once the system is terminated (here held 3 s): a container reported exited has
 * no process left, and the service refuses to complete a creation in a system that is stopping.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceError } from '@grpc/grpc-js';
import { call } from '../harness.js';
import { skip, startEnv, stopEnv, objects, newPod, continuePod, removePod, expectObjects, type Env } from './common.js';

let env: Env;
before(async () => { if (!skip) env = await startEnv('wincri-latekill'); });
after(() => stopEnv(env));

const MARK = '6173';
/** Live (not zombie) processes running `sleep 6173`: the container's program. */
function marked(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv.includes('sleep') || argv.some((a) => a.endsWith('/sleep'))) { if (argv.includes(MARK)) out.push(Number(d)); }
    } catch { /* gone */ }
  }
  return out;
}

test('keeper killed -9 while the service still creates the process: the late process dies with its system', { skip }, async () => {
  const base = await objects(env);
  const pod = await continuePod(env, newPod(env, 'late'), ['RunPodSandbox']);
  const ctr = (await call(env.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name: 'c', attempt: 0 }, image: { image: env.imageId }, command: ['sleep', MARK], logPath: 'c.log' },
  })).containerId as string;
  await env.platform.injectFault('HcsCreateProcess:started', 0, 1, 4_000);
  await env.platform.injectFault('terminateSystem', 0, 1, 3_000);
  const start = call(env.d.runtime, 'StartContainer', { containerId: ctr }, 60_000).then(() => undefined, (e: ServiceError) => e);
  await env.d.waitFor('the process to be held before its record', () => env.d.fullLog().includes('fault fired: HcsCreateProcess:started'), 30_000);
  assert.ok(marked().length > 0, 'the held process runs');
  process.kill(Number(readFileSync(join(env.d.root, 'io', 'keeper.pid'), 'utf8').trim()), 'SIGKILL');
  const err = await start;
  assert.ok(err, 'the start succeeded although its keeper was killed');
  assert.equal((await call(env.d.runtime, 'ContainerStatus', { containerId: ctr })).status.state, 'CONTAINER_EXITED');
  const system = (await env.platform.compute.enumerateComputeSystems()).find((s) => s.Id === ctr);
  assert.notEqual(system?.State, 'Running', 'the failed start answered while its compute system still ran');
  // The service completes the creation once the hold ends: either it records the process or it ends it.
  const created = new RegExp(`process \\d+ (created in|of) ${ctr}`);
  await env.d.waitFor('the held creation to complete', () => created.test(env.d.fullLog()), 30_000);
  await env.d.waitFor('no process of the ended container to run', () => marked().length === 0, 10_000)
    .catch(() => assert.fail(`processes of container ${ctr} outlived it: ${marked().join(', ')}`));
  await removePod(env, pod.id);
  await expectObjects(env, base, 'late process: after removal');
});
