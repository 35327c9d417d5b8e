/**
 * RunPodSandbox's records: the namespace marker (an empty file named after the namespace) precedes the namespace;
 * the network set-up starts while the namespace is created (namespaceReady) and its result's record is awaited
 * beside the pod's own. A result record that cannot be written undoes the whole pod: no pod record, the
 * attachment torn down, the namespace and its marker gone.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeEnv, sandboxConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import type { PodNetwork, PodNetworkRequest } from '../../../src/runtime/ports.js';

interface Seen { setUp: { id: string; ready: boolean; namespaces: string[] }[]; tearDown: string[] }

/** A network whose set-up answers at once and whose result record fails when `failRecord` is set. */
function fakeNetwork(seen: Seen, failRecord: () => boolean, env: () => RuntimeEnv): PodNetwork {
  return {
    status: async () => ({ ready: true, reason: '', message: '' }),
    async setUp(req: PodNetworkRequest) {
      const namespaces = readdirSync(join(env().dir, 'state', 'namespaces'));
      await req.namespaceReady;
      const ns = await env().platform.network.queryNamespace(req.namespaceId);
      seen.setUp.push({ id: req.sandboxId, ready: !!ns.ID, namespaces });
      const recorded = failRecord() ? Promise.reject(new Error('disk full')) : Promise.resolve();
      recorded.catch(() => undefined);
      return { ips: ['10.9.0.2'], recorded };
    },
    async tearDown(req) { seen.tearDown.push(req.sandboxId); },
    async check() {},
    async attachedPods() { return []; },
    async gc() {},
    async setPodCidr() {},
  };
}

let env: RuntimeEnv;
let fail = false;
const seen: Seen = { setUp: [], tearDown: [] };
after(async () => { await env?.close(); });

test('the marker precedes the namespace; set-up sees it; a result record that fails undoes the pod', async () => {
  env = await runtimeEnv({ streaming: false, network: fakeNetwork(seen, () => fail, () => env) });
  const nsDir = join(env.dir, 'state', 'namespaces');
  const podId = await env.runtime.runPodSandbox(sandboxConfig('pod-ok', env.logDir), '');
  const pod = env.runtime.getSandbox(podId);
  assert.equal(pod.ip, '10.9.0.2');
  const marker = join(nsDir, `${pod.namespaceId!.toLowerCase()}.json`);
  assert.equal(statSync(marker).size, 0, 'an empty marker');
  assert.deepEqual(seen.setUp, [{ id: podId, ready: true, namespaces: [`${pod.namespaceId!.toLowerCase()}.json`] }]);
  assert.ok(existsSync(join(env.dir, 'state', 'sandboxes', `${podId}.json`)));

  fail = true;
  await assert.rejects(env.runtime.runPodSandbox(sandboxConfig('pod-bad', env.logDir), ''), /disk full/);
  const bad = seen.setUp[1]!.id;
  assert.deepEqual(seen.tearDown, [bad], 'the attachment is torn down');
  assert.equal(existsSync(join(env.dir, 'state', 'sandboxes', `${bad}.json`)), false, 'no pod record');
  assert.deepEqual(env.runtime.listPodSandbox().map((p) => p.id), [podId]);
  assert.deepEqual(readdirSync(nsDir), [`${pod.namespaceId!.toLowerCase()}.json`], 'the failed pod\'s marker is gone');
  const left = (await env.platform.network.enumerateNamespaces()).map((n) => n.ID?.toLowerCase());
  assert.ok(left.includes(pod.namespaceId!.toLowerCase()));
  assert.equal(left.length, 1, 'the failed pod\'s namespace is deleted');

  fail = false; // the same name is free again
  const again = await env.runtime.runPodSandbox(sandboxConfig('pod-bad', env.logDir), '');
  await env.runtime.stopPodSandbox(again);
  await env.runtime.removePodSandbox(again);
});
