/**
 * A namespace creation that fails after the platform made the namespace (a service killed, or ended, between the
 * two): RunPodSandbox's undo deletes that namespace before it drops the marker; when the deletion cannot be
 * confirmed, the marker stays, so recovery still knows the namespace is this runtime's to remove.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeEnv, sandboxConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';

let env: RuntimeEnv;
after(async () => { await env?.close(); });

test('a namespace made before its creation failed is deleted; the marker stays while its deletion fails', async () => {
  env = await runtimeEnv({ streaming: false });
  const net = env.platform.network;
  const realCreate = net.createNamespace.bind(net);
  const realDelete = net.deleteNamespace.bind(net);
  const nsDir = join(env.dir, 'state', 'namespaces');
  const ids = async () => (await net.enumerateNamespaces()).map((n) => n.ID!.toLowerCase());
  let deleteFails = false;
  net.createNamespace = async (id, doc) => {
    await realCreate(id, doc);
    throw new PlatformError(HRESULT.E_FAIL, 'HcnCreateNamespace', 'the service ended before it answered');
  };
  net.deleteNamespace = async (id) => {
    if (deleteFails) throw new PlatformError(HRESULT.E_FAIL, 'HcnDeleteNamespace', 'the service is not answering');
    return realDelete(id);
  };

  await assert.rejects(env.runtime.runPodSandbox(sandboxConfig('ns-made', env.logDir), ''), /ended before it answered/);
  assert.deepEqual(await ids(), [], 'the namespace the platform made is deleted');
  assert.deepEqual(readdirSync(nsDir), [], 'and its marker dropped');

  deleteFails = true;
  await assert.rejects(env.runtime.runPodSandbox(sandboxConfig('ns-kept', env.logDir), ''), /ended before it answered/);
  const left = await ids();
  assert.equal(left.length, 1, 'the namespace could not be deleted');
  assert.deepEqual(readdirSync(nsDir), [`${left[0]}.json`], 'its marker stays for recovery');

  net.createNamespace = realCreate;
  net.deleteNamespace = realDelete;
  await realDelete(left[0]!);
});
