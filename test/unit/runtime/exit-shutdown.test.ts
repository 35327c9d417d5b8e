/**
 * The compute system of an exited container is ended once: a stop that terminates the system does it itself (its
 * exit needs no shutdown of its own, and its OOM query uses the stop's handle), and a process that ends by itself has its system shut down by the exit
 * handling (only waited for when the IO keeper shut it down already: a lingering child); the system of a stop whose
 * terminate failed is terminated again, never shut down. Real runtime on the emulator, compute calls recorded on their way (run under the network lock).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeEnv, runContainer, type RuntimeEnv, systemState as stateOf } from '../../helpers/runtime-env.js';
import type { ComputeService, ComputeSystem, ComputeProcess, StorageService } from '../../../src/platform/types.js';

let env: RuntimeEnv;
const calls: string[] = [];
/** Per container: replaces the terminate of its system / of its processes (`real` performs the actual call). */
const systemTerminate = new Map<string, (real: () => Promise<void>) => Promise<void>>();
const processTerminate = new Map<string, (real: () => Promise<void>) => Promise<void>>();

function hooked(id: string, p: ComputeProcess): ComputeProcess {
  return new Proxy(p, {
    get: (t, k) => {
      const v = Reflect.get(t, k, t) as unknown;
      const hook = processTerminate.get(id);
      if (k === 'terminate' && hook) return () => hook(() => t.terminate());
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

function recording(compute: ComputeService, storage: StorageService): { compute: ComputeService; storage: StorageService } {
  const wrap = (id: string, s: ComputeSystem): ComputeSystem => new Proxy(s, {
    get: (t, k) => {
      const v = Reflect.get(t, k, t) as unknown;
      if (k === 'openProcess') return async (pid: number) => hooked(id, await t.openProcess(pid));
      if (k !== 'shutdown' && k !== 'terminate' && k !== 'waitExit') return typeof v === 'function' ? v.bind(t) : v;
      const hook = k === 'terminate' ? systemTerminate.get(id) : undefined;
      if (hook) return () => { calls.push(`terminate ${id}`); return hook(() => t.terminate()); };
      return (...a: unknown[]) => { calls.push(`${String(k)} ${id}`); return (v as (...x: unknown[]) => unknown).apply(t, a); };
    },
  });
  return {
    compute: new Proxy(compute, {
      get: (t, k) => {
        if (k === 'openComputeSystem') return async (id: string) => { calls.push(`open ${id}`); return wrap(id, await t.openComputeSystem(id)); };
        const v = Reflect.get(t, k, t) as unknown;
        return typeof v === 'function' ? v.bind(t) : v;
      },
    }),
    storage,
  };
}

before(async () => { env = await runtimeEnv({ streaming: false, wrap: recording }); });
after(async () => { await env.close(); });

const systemState = (id: string) => stateOf(env, id);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('StopContainer that terminates: the system is opened and terminated once, and no shutdown follows the exit', async () => {
  const { podId, id } = await runContainer(env, 'term', ['sleep', '100000']);
  calls.length = 0;
  await env.runtime.stopContainer(id, 0);
  const c = env.runtime.getContainer(id);
  assert.equal(c.state, 'CONTAINER_EXITED');
  assert.equal(c.exitCode, 137);
  await env.runtime.flush();
  // The exit's OOM query used the stop's handle: one open for the whole stop.
  assert.deepEqual(calls.filter((x) => x.endsWith(id)), [`open ${id}`, `terminate ${id}`], 'only the stop opened and ended the system');
  assert.ok(['Stopped', 'gone'].includes(await systemState(id)), 'the system is not left running');
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
  assert.equal(await systemState(id), 'gone');
});

test('a process that ends by itself: the exit handling shuts its system down', async () => {
  const { podId, id } = await runContainer(env, 'self', ['sh', '-c', 'exit 3']);
  // Bounded wait for the exit report and the shutdown it starts (not a timing assertion: 100 × 50 ms at most).
  for (let i = 0; i < 100 && !calls.includes(`waitExit ${id}`); i++) await new Promise((r) => setTimeout(r, 50));
  const c = env.runtime.getContainer(id);
  assert.equal(c.state, 'CONTAINER_EXITED');
  assert.equal(c.exitCode, 3);
  assert.ok(calls.includes(`waitExit ${id}`), `the exit handling shut the system down (calls: ${calls.join(', ')})`);
  for (let i = 0; i < 100 && !['Stopped', 'gone'].includes(await systemState(id)); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(['Stopped', 'gone'].includes(await systemState(id)));
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('an init that exits while its child holds stdout: the keeper shuts the system down, the exit handling only waits', async () => {
  const { podId, id } = await runContainer(env, 'linger', ['sh', '-c', 'sleep 100000 & exit 3']);
  // The keeper's SIGTERM ends the sleep; then the exit is reported, saying the keeper asked the shutdown.
  for (let i = 0; i < 200 && !calls.includes(`waitExit ${id}`); i++) await pause(50);
  assert.equal(env.runtime.getContainer(id).exitCode, 3);
  const mine = calls.filter((x) => x.endsWith(` ${id}`));
  assert.ok(mine.includes(`waitExit ${id}`), `the exit handling waited for the system (calls: ${mine.join(', ')})`);
  // A shutdown of its own would be asked right after waitExit, in the same call: none was, the keeper's is waited for.
  assert.ok(!mine.includes(`shutdown ${id}`), `no second shutdown (calls: ${mine.join(', ')})`);
  for (let i = 0; i < 100 && !['Stopped', 'gone'].includes(await systemState(id)); i++) await pause(50);
  assert.ok(['Stopped', 'gone'].includes(await systemState(id)));
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('a stop whose system terminate fails: the exit handling terminates the system again, asking no shutdown', async () => {
  const { podId, id } = await runContainer(env, 'tfail', ['sleep', '100000']);
  calls.length = 0;
  // The process is killed for real; the system's terminate fails (as an HCS timeout would) once the exit that
  // killing caused has been handled, i.e. while the stop is still registered as terminating the system.
  systemTerminate.set(id, async () => {
    for (let i = 0; i < 200 && env.runtime.getContainer(id).state === 'CONTAINER_RUNNING'; i++) await pause(50);
    systemTerminate.delete(id);
    throw new Error('injected: HCS operation timed out');
  });
  await assert.rejects(env.runtime.stopContainer(id, 0), /may still be running/);
  assert.equal(env.runtime.getContainer(id).state, 'CONTAINER_EXITED');
  for (let i = 0; i < 200 && !['Stopped', 'gone'].includes(await systemState(id)); i++) await pause(50);
  assert.ok(['Stopped', 'gone'].includes(await systemState(id)), 'the system is not left running');
  const mine = calls.filter((x) => x.endsWith(` ${id}`));
  assert.equal(mine.filter((x) => x === `terminate ${id}`).length, 2, `the exit handling terminated the system again (calls: ${mine.join(', ')})`);
  assert.ok(!mine.includes(`shutdown ${id}`), `no shutdown after the stop's termination was under way (calls: ${mine.join(', ')})`);
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('two concurrent stops, the first failing: the second takes its turn after it, terminates, and no shutdown follows', async () => {
  const { podId, id } = await runContainer(env, 'twostop', ['sleep', '100000']);
  calls.length = 0;
  let n = 0;
  // The first stop's termination of the process fails (access denied); the second stop, waiting for the first
  // (one stop per container at a time), then kills the process for real.
  processTerminate.set(id, async (real) => {
    if (n++ === 0) throw new Error('injected: access denied');
    return real();
  });
  const stop = (): Promise<unknown> => env.runtime.stopContainer(id, 0).catch((e: unknown) => e);
  const results = await Promise.all([stop(), stop()]);
  processTerminate.delete(id);
  assert.ok(results[0] instanceof Error && !(results[1] instanceof Error), 'the first stop failed, the second did not');
  assert.equal(env.runtime.getContainer(id).state, 'CONTAINER_EXITED');
  assert.equal(env.runtime.getContainer(id).exitCode, 137);
  await env.runtime.flush();
  // Two opens (one per stop), the successful stop's terminate; no shutdown of the exit's own (it would open again).
  assert.deepEqual(calls.filter((x) => x.endsWith(id)), [`open ${id}`, `open ${id}`, `terminate ${id}`]);
  assert.ok(['Stopped', 'gone'].includes(await systemState(id)), 'the system is not left running');
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});
