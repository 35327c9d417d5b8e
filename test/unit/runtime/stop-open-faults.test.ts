/**
 * StopContainer's opens: only a compute system that cannot be opened fails the stop (the container is left running,
 * with no exit waiter behind, and a retry stops it); a process that cannot be opened (the stopped system's
 * HCS_E_INVALID_STATE, access denied) is ended with its system, shut down gracefully first when there is a grace period. StopPodSandbox lets every container's stop
 * finish before it fails with the first error. Real runtime on the emulator with failing opens (run under the
 * network lock).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { waitFor } from '../../helpers/wait-for.js';
import { runtimeEnv, runContainer, containerConfig, type RuntimeEnv, systemState as stateOf } from '../../helpers/runtime-env.js';
import type { ComputeService, ComputeSystem, StorageService } from '../../../src/platform/types.js';
import { HRESULT, PlatformError, isPlatformError, type HResultName } from '../../../src/platform/hresult.js';

let env: RuntimeEnv;
/** Per container: what its next openComputeSystem / openProcess does before (or instead of) the real call. */
const openSystem = new Map<string, () => Promise<void>>();
const openProcess = new Map<string, () => Promise<void>>();

function faulty(compute: ComputeService, storage: StorageService): { compute: ComputeService; storage: StorageService } {
  const wrap = (id: string, s: ComputeSystem): ComputeSystem => new Proxy(s, {
    get: (t, k) => {
      const v = Reflect.get(t, k, t) as unknown;
      if (k === 'openProcess') return async (pid: number) => { await openProcess.get(id)?.(); return t.openProcess(pid); };
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  return {
    compute: new Proxy(compute, {
      get: (t, k) => {
        if (k === 'openComputeSystem') return async (id: string) => { await openSystem.get(id)?.(); return wrap(id, await t.openComputeSystem(id)); };
        const v = Reflect.get(t, k, t) as unknown;
        return typeof v === 'function' ? v.bind(t) : v;
      },
    }),
    storage,
  };
}

const fail = (hr: HResultName, op: string) => async (): Promise<void> => { throw new PlatformError(HRESULT[hr], op); };

before(async () => { env = await runtimeEnv({ streaming: false, wrap: faulty }); });
after(async () => { await env.close(); });

const systemState = (id: string) => stateOf(env, id);

for (const hr of ['HCS_E_INVALID_STATE', 'E_ACCESSDENIED'] as const) {
  test(`openProcess failing with ${hr}: the stop terminates the compute system and records the exit`, async () => {
    const { podId, id } = await runContainer(env, `proc-${hr.toLowerCase().replace(/_/g, '-')}`, ['sleep', '100000']);
    openProcess.set(id, fail(hr, 'HcsOpenProcess'));
    await env.runtime.stopContainer(id, 0);
    openProcess.delete(id);
    assert.equal(env.runtime.getContainer(id).state, 'CONTAINER_EXITED');
    assert.ok(['Stopped', 'gone'].includes(await systemState(id)), 'the system is not left running');
    await env.runtime.stopPodSandbox(podId);
    await env.runtime.removePodSandbox(podId);
  });
}

test('openProcess failing with a grace period: the compute system is shut down gracefully, not terminated at once', async () => {
  // The init process ends on SIGTERM (the emulator's graceful system shutdown) with its own code; a termination
  // (SIGKILL) would not run the trap.
  const { podId, id } = await runContainer(env, 'proc-graceful', ['sh', '-c', "trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done"]);
  const logFile = env.runtime.getContainer(id).logFile;
  await waitFor('the trap set', async () => (await readFile(logFile, 'utf8').catch(() => '')).includes('ready'));
  openProcess.set(id, fail('E_ACCESSDENIED', 'HcsOpenProcess'));
  await env.runtime.stopContainer(id, 60);
  openProcess.delete(id);
  const c = env.runtime.getContainer(id);
  assert.equal(c.state, 'CONTAINER_EXITED');
  assert.equal(c.exitCode, 42, 'the container stopped gracefully (its TERM trap ran)');
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('openComputeSystem failing: each stop fails, leaves no exit waiter, the system running, and the retry stops it', async () => {
  const { podId, id } = await runContainer(env, 'sys-fail', ['sleep', '100000']);
  openSystem.set(id, fail('HCS_E_SERVICE_NOT_AVAILABLE', 'HcsOpenComputeSystem'));
  for (let i = 0; i < 3; i++) {
    await assert.rejects(env.runtime.stopContainer(id, 0), (e) => isPlatformError(e, 'HCS_E_SERVICE_NOT_AVAILABLE'));
    const c = env.runtime.getContainer(id);
    assert.equal(c.state, 'CONTAINER_RUNNING', 'a stop that could not open the system leaves the container running');
    assert.equal(env.runtime.exitWaiters.get(id)?.length ?? 0, 0, `stop ${i + 1} left an exit waiter behind`);
    assert.equal(await systemState(id), 'Running', `stop ${i + 1} left the compute system running`);
  }
  openSystem.delete(id);
  await env.runtime.stopContainer(id, 0);
  assert.equal(env.runtime.getContainer(id).state, 'CONTAINER_EXITED');
  assert.equal(env.runtime.exitWaiters.get(id), undefined);
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('StopPodSandbox with one container failing to stop: the other stops finish before the first error is thrown', async () => {
  const { podId, id: failing } = await runContainer(env, 'pod-fail-a', ['sleep', '100000']);
  const other = await env.runtime.createContainer(podId, containerConfig('pod-fail-b', env.imageId, ['sleep', '100000']));
  await env.runtime.startContainer(other);
  // The other container's stop is held until the failing one's open has thrown and the event loop has turned once
  // (the earliest a stop could finish): an RPC that rejected on the first failure would do so before that.
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  openSystem.set(other, () => gate);
  openSystem.set(failing, async () => { setImmediate(release); throw new PlatformError(HRESULT.E_ACCESSDENIED, 'HcsOpenComputeSystem'); });
  const err = await env.runtime.stopPodSandbox(podId).then(() => undefined, (e: unknown) => e);
  const otherState = env.runtime.getContainer(other).state;
  openSystem.delete(other);
  openSystem.delete(failing);
  assert.ok(isPlatformError(err, 'E_ACCESSDENIED'), `the pod stop fails with the container's error: ${String(err)}`);
  assert.equal(otherState, 'CONTAINER_EXITED', 'the sibling stop had finished when the pod stop failed');
  assert.equal(env.runtime.getContainer(failing).state, 'CONTAINER_RUNNING');
  await env.runtime.stopPodSandbox(podId);
  assert.equal(env.runtime.getContainer(failing).state, 'CONTAINER_EXITED');
  await env.runtime.removePodSandbox(podId);
});
