/**
 * A StopPodSandbox cut short after the pod's network went (CNI DEL done, the namespace deletion failing, or the
 * daemon killed while it runs): the pod reports SANDBOX_NOTREADY right after the failed RPC and after a restart,
 * never ready without its network; the retried stop finishes the job and RemovePodSandbox works.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeEnv, sandboxConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { Runtime } from '../../../src/runtime/runtime.js';
import { HRESULT, PlatformError, isGone } from '../../../src/platform/hresult.js';
import { recordingNetwork } from '../../helpers/recording-network.js';

let env: RuntimeEnv;
after(async () => { await env?.close(); });

const torn: string[] = [];
const network = recordingNetwork(torn);

async function namespaceExists(id: string): Promise<boolean> {
  try { await env.platform.network.queryNamespace(id); return true; } catch (e) { if (isGone(e)) return false; throw e; }
}

/** A second runtime on the same state, as the daemon restarted. */
async function restarted(): Promise<Runtime> {
  await env.runtime.flush();
  const rt = await Runtime.open(env.runtime.opts);
  await rt.recover();
  return rt;
}

test('a stop whose namespace deletion fails (fault point deleteNamespace) leaves the pod NOTREADY, also after a restart; the retry finishes', async () => {
  env ??= await runtimeEnv({ streaming: false, network });
  torn.length = 0;
  const podId = await env.runtime.runPodSandbox(sandboxConfig('stop-fails', env.logDir), '');
  const nsId = env.runtime.getSandbox(podId).namespaceId!;
  await env.platform.injectFault('deleteNamespace', HRESULT.E_FAIL, 1);
  await assert.rejects(env.runtime.stopPodSandbox(podId), /E_FAIL/);
  assert.deepEqual(torn, [nsId], 'the pod network was torn down before the failure');
  assert.equal(env.runtime.getSandbox(podId).state, 'SANDBOX_NOTREADY', 'right after the failed stop');

  const rt = await restarted();
  assert.equal(rt.getSandbox(podId).state, 'SANDBOX_NOTREADY', 'after a restart');
  await rt.stopPodSandbox(podId);
  assert.equal(await namespaceExists(nsId), false, 'the retry deleted the namespace');
  const s = rt.getSandbox(podId);
  assert.deepEqual([s.state, s.namespaceId, s.ip], ['SANDBOX_NOTREADY', undefined, undefined]);
  await rt.stopPodSandbox(podId); // idempotent: nothing left to do
  assert.equal(torn.length, 2, 'a stop with nothing left to do runs no CNI DEL');
  await rt.removePodSandbox(podId);
  assert.throws(() => rt.getSandbox(podId), /not found/);
  await env.runtime.removePodSandbox(podId).catch(() => undefined); // the first runtime's memory of it
});

test('a daemon killed while a stop deletes the namespace: after the restart the pod is NOTREADY, the retried stop and the removal finish', async (t) => {
  env ??= await runtimeEnv({ streaming: false, network });
  torn.length = 0;
  const podId = await env.runtime.runPodSandbox(sandboxConfig('stop-killed', env.logDir), '');
  const nsId = env.runtime.getSandbox(podId).namespaceId!;
  const net = env.platform.network;
  const realDelete = net.deleteNamespace.bind(net);
  let reached!: () => void;
  const deleting = new Promise<void>((r) => { reached = r; });
  let release!: () => void;
  const killed = new Promise<void>((r) => { release = r; });
  t.after(() => release()); // also when an assertion fails: the first runtime's stop (and its pod lock) ends
  // The first runtime's deletion never gets through: that runtime is "killed" there (abandoned), its platform call unanswered.
  net.deleteNamespace = async () => { reached(); await killed; throw new PlatformError(HRESULT.E_FAIL, 'HcnDeleteNamespace', 'the daemon was killed'); };
  const cut = env.runtime.stopPodSandbox(podId);
  cut.catch(() => undefined);
  await deleting;
  assert.deepEqual(torn, [nsId], 'CNI DEL ran before the kill');
  net.deleteNamespace = realDelete;

  const rt = await restarted();
  assert.equal(await namespaceExists(nsId), true, 'the namespace outlived the kill');
  assert.equal(rt.getSandbox(podId).state, 'SANDBOX_NOTREADY', 'not ready though its namespace is there: its network is gone');
  await rt.stopPodSandbox(podId);
  assert.equal(await namespaceExists(nsId), false);
  assert.equal(torn.length, 2, 'the retry ran CNI DEL again (DEL is idempotent)');
  await rt.removePodSandbox(podId);
  assert.throws(() => rt.getSandbox(podId), /not found/);
  release();
  await assert.rejects(cut, /killed/);
  await env.runtime.removePodSandbox(podId).catch(() => undefined);
});
