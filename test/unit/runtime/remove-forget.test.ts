/**
 * RemoveContainer makes the IO keeper forget the container even when the runtime recorded its exit itself (a stop
 * that got no exit report in time): the keeper still runs the process when the first forget reaches it and refuses
 * (FailedPrecondition); the exit it reports during the teardown is not just acknowledged, and the keeper holds
 * neither the entry nor its files afterwards. Real runtime, keeper and emulator; the keeper's exit reports are held
 * (and its forget answers as while it still runs the process) until the platform destroys the scratch layer.
 * Run under the network lock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeEnv, runContainer, type RuntimeEnv } from '../../helpers/runtime-env.js';
import type { IoKeeper, ExitReport } from '../../../src/runtime/ports.js';
import type { ComputeService, StorageService } from '../../../src/platform/types.js';
import { RuntimeError } from '../../../src/errors.js';

let env: RuntimeEnv;
/** The container whose exit reports are held; undefined once they were delivered. */
let held: string | undefined;
const heldReports: ExitReport[] = [];
let deliver: ((e: ExitReport) => void) | undefined;
const keeperCalls: string[] = [];

function holding(k: IoKeeper): IoKeeper {
  return {
    ...k,
    ack: (id) => { keeperCalls.push(`ack ${id}`); return k.ack(id); },
    forget: async (id) => {
      keeperCalls.push(`forget ${id}`);
      // As the keeper answers while its entry is still running (it has not seen the exit it would report).
      if (id === held) throw new RuntimeError('FailedPrecondition', `IO keeper: container ${id} is still running; it cannot be forgotten`);
      return k.forget(id);
    },
    onExit: (cb) => {
      deliver = cb;
      k.onExit((e) => { if (e.containerId === held) heldReports.push(e); else cb(e); });
    },
  };
}

/** The scratch layer's destruction (late in the teardown) lets the held exit report through. */
function releasing(compute: ComputeService, storage: StorageService): { compute: ComputeService; storage: StorageService } {
  return {
    compute,
    storage: new Proxy(storage, {
      get: (t, k) => {
        const v = Reflect.get(t, k, t) as unknown;
        if (k !== 'destroyLayer') return typeof v === 'function' ? v.bind(t) : v;
        return async (path: string) => {
          if (held !== undefined) {
            held = undefined;
            for (const e of heldReports.splice(0)) deliver!(e);
          }
          return t.destroyLayer(path);
        };
      },
    }),
  };
}

// The stop's wait for an exit report (10 s by default) shortened: none comes here, the wait always runs out.
before(async () => { env = await runtimeEnv({ streaming: false, wrap: releasing, wrapKeeper: holding, exitReportWaitMs: 1000 }); });
after(async () => { await env.close(); });

test('RemoveContainer of a container whose exit the runtime recorded itself: the keeper forgets it', async () => {
  const { podId, id } = await runContainer(env, 'unreported', ['sleep', '100000']);
  held = id;
  // No exit report reaches the runtime: the stop waits its bounded time and records 137 itself, then removes.
  await env.runtime.removeContainer(id);
  assert.ok(heldReports.length === 0 && held === undefined, 'the keeper reported the exit (held until the teardown)');
  assert.ok(keeperCalls.filter((x) => x === `forget ${id}`).length >= 2, `forget was asked again (calls: ${keeperCalls.join(', ')})`);
  await env.runtime.flush();
  // The exit report handled during or after the removal forgot the entry or found it forgotten; nothing is left.
  const listed = await env.keeper.list();
  assert.ok(!listed.some((a) => a.containerId === id), `the keeper forgot the container (it lists ${JSON.stringify(listed.map((a) => a.containerId))})`);
  assert.ok(!existsSync(join(env.dir, 'io', 'containers', `${id}.json`)), 'the keeper record is gone');
  assert.ok(!existsSync(join(env.dir, 'io', 'containers', `${id}.offsets`)), 'the offsets file is gone');
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});
