/**
 * StopPodSandbox's NOTREADY write (pod-not-ready.ts) against its answer and events: a stop failing on a container
 * answers only once the pod is NOTREADY on disk; the NOTREADY write failing is the RPC's error (not swallowed); the
 * pod's CONTAINER_STOPPED_EVENT comes again after the final write, when its IPs and namespace are gone. Real
 * runtime on the emulator (run under the network lock).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/wait-for.js';
import { runtimeEnv, runContainer, sandboxConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import type { ComputeService, StorageService } from '../../../src/platform/types.js';
import { HRESULT, PlatformError } from '../../../src/platform/hresult.js';
import type { PodNetwork } from '../../../src/runtime/ports.js';
import type { ContainerEvent } from '../../../src/runtime/state.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';

let env: RuntimeEnv;
/** Containers whose compute system cannot be opened (their stop fails). */
const unopenable = new Set<string>();
let refused = 0;

function faulty(compute: ComputeService, storage: StorageService): { compute: ComputeService; storage: StorageService } {
  return {
    compute: new Proxy(compute, {
      get: (t, k) => {
        if (k === 'openComputeSystem') {
          return async (id: string) => {
            if (unopenable.has(id)) refused++;
            if (unopenable.has(id)) throw new PlatformError(HRESULT.E_FAIL, 'HcsOpenComputeSystem', 'test');
            return t.openComputeSystem(id);
          };
        }
        const v = Reflect.get(t, k, t) as unknown;
        return typeof v === 'function' ? v.bind(t) : v;
      },
    }),
    storage,
  };
}

const network: PodNetwork = {
  status: async () => ({ ready: true, reason: '', message: '' }),
  async setUp(req) { await req.namespaceReady; return { ips: ['10.9.0.3'], recorded: Promise.resolve() }; },
  async tearDown() {},
  async check() {},
  async attachedPods() { return []; },
  async gc() {},
  async setPodCidr() {},
};

before(async () => { env = await runtimeEnv({ streaming: false, wrap: faulty, network }); });
after(async () => { await env.close(); });

/** Makes the pod's next record write wait for `gate` (then fail with `error` if given). */
function holdNextSave(podId: string, gate: Promise<void>, error?: Error): void {
  const store = env.runtime.sandboxes;
  const real = store.save.bind(store);
  store.save = async (rec: SandboxRecord) => {
    if (rec.id !== podId) return real(rec);
    store.save = real;
    await gate;
    if (error) throw error;
    return real(rec);
  };
}

test('a container failing to stop: the failed StopPodSandbox answers only once the pod is NOTREADY on disk', async () => {
  const { podId, id } = await runContainer(env, 'stop-fails-slow-save', ['sleep', '100000']);
  unopenable.add(id);
  let open!: () => void;
  holdNextSave(podId, new Promise<void>((r) => { open = r; }));
  let answered = false;
  const stop = env.runtime.stopPodSandbox(podId).finally(() => { answered = true; });
  stop.catch(() => undefined);
  // The container's stop fails (its open is refused); the answer still waits for the write.
  await waitFor('the container\'s open refused', () => refused > 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(answered, false, 'no answer before the NOTREADY write');
  open();
  await assert.rejects(stop, /E_FAIL/);
  assert.equal(env.runtime.getSandbox(podId).state, 'SANDBOX_NOTREADY');
  unopenable.delete(id);
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('the NOTREADY write failing fails StopPodSandbox with that error (a container failing to stop too), and the pod stays READY', async () => {
  const { podId, id } = await runContainer(env, 'notready-save-fails', ['sleep', '100000']);
  unopenable.add(id);
  holdNextSave(podId, Promise.resolve(), new Error('ENOSPC: no space left on device'));
  await assert.rejects(env.runtime.stopPodSandbox(podId), /ENOSPC/);
  assert.equal(env.runtime.getSandbox(podId).state, 'SANDBOX_READY');
  unopenable.delete(id);
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});

test('the pod\'s CONTAINER_STOPPED_EVENT comes again once its IPs are cleared on disk', async () => {
  const podId = await env.runtime.runPodSandbox(sandboxConfig('stopped-events', env.logDir), '');
  const ips: (string | undefined)[] = [];
  const on = (ev: ContainerEvent) => { if (ev.containerId === podId && ev.type === 'CONTAINER_STOPPED_EVENT') ips.push(env.runtime.getSandbox(podId).ip); };
  env.runtime.events.on('event', on);
  try { await env.runtime.stopPodSandbox(podId); } finally { env.runtime.events.off('event', on); }
  assert.equal(ips.length, 2, 'one at NOTREADY, one after the teardown');
  assert.equal(ips[1], undefined, 'the last one comes with the IP gone');
  await env.runtime.removePodSandbox(podId);
});
