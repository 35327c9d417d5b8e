/**
 * StopPodSandbox asks whether the pod's namespace exists while the containers stop, before it takes the pod's
 * lock. Two stops of one pod: B's probe answers "present" while A holds the lock; A deletes the namespace and then
 * fails to drop its marker (the record still names the namespace). B must not hand CNI DEL the deleted
 * namespace: it asks again under the lock, and DEL runs with an empty CNI_NETNS.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeEnv, sandboxConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { recordingNetwork } from '../../helpers/recording-network.js';

let env: RuntimeEnv;
after(async () => { await env?.close(); });

test('a stop whose namespace probe predates a concurrent stop\'s deletion probes again: DEL gets no deleted namespace', async () => {
  const torn: string[] = [];
  const network = recordingNetwork(torn);
  env = await runtimeEnv({ streaming: false, network });
  const podId = await env.runtime.runPodSandbox(sandboxConfig('two-stops', env.logDir), '');
  const nsId = env.runtime.getSandbox(podId).namespaceId!;
  const net = env.platform.network;
  const realQuery = net.queryNamespace.bind(net);
  const realDelete = net.deleteNamespace.bind(net);
  // The deletion waits until both stops' early probes have answered "present".
  let asked = 0;
  let answered = 0;
  let bothProbed!: () => void;
  const probed = new Promise<void>((r) => { bothProbed = r; });
  net.queryNamespace = async (id) => {
    asked++;
    const doc = await realQuery(id);
    if (++answered === 2) bothProbed();
    return doc;
  };
  net.deleteNamespace = async (id) => { await probed; return realDelete(id); };
  // The marker cannot be dropped: a non-empty directory stands where the marker file is.
  const marker = join(env.dir, 'state', 'namespaces', `${nsId.toLowerCase()}.json`);
  rmSync(marker);
  mkdirSync(marker);
  writeFileSync(join(marker, 'x'), '');

  const [a, b] = await Promise.allSettled([env.runtime.stopPodSandbox(podId), env.runtime.stopPodSandbox(podId)]);
  assert.equal(a.status, 'rejected', 'the first stop fails on the marker');
  assert.equal(b.status, 'rejected', 'so does the second (the marker still cannot go)');
  assert.equal(asked, 3, 'the second stop asked again under the lock');
  assert.deepEqual(torn, [nsId, ''], 'the second DEL is not given the namespace the first one deleted');

  net.queryNamespace = realQuery;
  net.deleteNamespace = realDelete;
  rmSync(marker, { recursive: true });
  await env.runtime.stopPodSandbox(podId);
  assert.equal(env.runtime.getSandbox(podId).state, 'SANDBOX_NOTREADY');
});
