/**
 * The compute system of an exited container is ended once: a stop that terminates the system does it itself (its
 * exit needs no shutdown of its own, and its OOM query uses the stop's handle), and a process that ends by itself has its system shut down by the exit
 * handling. Real runtime on the emulator, compute calls recorded on their way (run under the network lock).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeEnv, runContainer, type RuntimeEnv } from '../../helpers/runtime-env.js';
import type { ComputeService, ComputeSystem, StorageService } from '../../../src/platform/types.js';

let env: RuntimeEnv;
const calls: string[] = [];

function recording(compute: ComputeService, storage: StorageService): { compute: ComputeService; storage: StorageService } {
  const wrap = (id: string, s: ComputeSystem): ComputeSystem => new Proxy(s, {
    get: (t, k) => {
      const v = Reflect.get(t, k, t) as unknown;
      if (k !== 'shutdown' && k !== 'terminate' && k !== 'waitExit') return typeof v === 'function' ? v.bind(t) : v;
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

async function systemState(id: string): Promise<string> {
  try {
    const s = await env.platform.compute.openComputeSystem(id);
    try { return (await s.getProperties()).State ?? 'unknown'; } finally { s.close(); }
  } catch { return 'gone'; }
}

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
