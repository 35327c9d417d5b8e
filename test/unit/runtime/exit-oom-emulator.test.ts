/**
 * ContainerStatus says OOMKilled for an init OOM-killed while a child held its stdout when the IO keeper restarted
 * before the runtime handled (and acked) the exit: the keeper shut the system down (the lingering child), its handle
 * went with the restart and the stopped system with it, so only the OOM kill the keeper reported with the exit
 * (keeper-exit-oom.ts) can say it. Real runtime, keeper and emulator, under a 32 MiB memory limit (run under the
 * network lock; skipped where the emulator has no cgroups with memory control).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeEnv, runContainer, systemState, type RuntimeEnv } from '../../helpers/runtime-env.js';
import type { ExitReport, IoKeeper } from '../../../src/runtime/ports.js';
import { isolationFacts } from '../../../src/platform/emulator/service/isolation.js';
import { waitFor } from '../../helpers/wait-for.js';

const facts = isolationFacts();
const skip = !facts.Enabled ? `emulator cannot isolate here: ${facts.Reason}` : facts.Cgroups ? false : 'no writable cgroup hierarchy with memory control here';

/** Exit reports the runtime has not been handed yet (the runtime busy, or not up). */
const held: ExitReport[] = [];
let deliver: ((e: ExitReport) => void) | undefined;
let holding = true;
function holdExits(k: IoKeeper): IoKeeper {
  return { ...k, onExit: (cb) => { deliver = cb; k.onExit((e) => (holding ? held.push(e) : cb(e))); } };
}

let env: RuntimeEnv;
before(async () => { if (!skip) env = await runtimeEnv({ streaming: false, wrapKeeper: holdExits }); });
after(async () => { await env?.close(); });

test('an OOM kill whose exit the runtime handles after a keeper restart (the system gone): reason OOMKilled', { skip }, async () => {
  const limits = { cpuShares: 0, cpuCount: 0, cpuMaximum: 0, memoryLimitInBytes: 32 * 1024 * 1024, rootfsSizeInBytes: 0, affinityCpus: [] };
  // tail keeps the last line of an endless line in memory until the limit; the sleep holds stdout past its death.
  const { podId, id } = await runContainer(env, 'oom-restart', ['sh', '-c', 'sleep 1000 & exec tail /dev/zero'],
    { windows: { runAsUsername: '', credentialSpec: '', hostProcess: false, resources: limits } });
  await waitFor('the exit reported (held from the runtime)', () => held.some((e) => e.containerId === id), { timeoutMs: 60_000 });
  await env.restartKeeper();
  // The keeper that shut the system down held the last handle on it.
  await waitFor('the stopped system to disappear', async () => (await systemState(env, id)) === 'gone', { timeoutMs: 30_000 });
  holding = false;
  for (const e of held.splice(0)) deliver!(e);
  const c = await waitFor('the exit recorded', () => { const s = env.runtime.getContainer(id); return s.state === 'CONTAINER_EXITED' ? s : undefined; }, { timeoutMs: 30_000 });
  assert.equal(c.exitCode, 137);
  assert.equal(c.reason, 'OOMKilled');
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});
