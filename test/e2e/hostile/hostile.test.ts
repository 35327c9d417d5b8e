/**
 * Hostile input: every request of the corpus (./corpus.ts), sent by a real gRPC client to the real daemon, is
 * refused with InvalidArgument and a message naming the field; afterwards the daemon still serves, nothing was
 * created on the platform, and nothing was written outside the directories the valid requests name.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { Daemon, call, podConfig } from '../harness.js';
import { buildWindowsImage } from '../../helpers/image-builder.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../../src/platform/emulator/index.js';
import { CORPUS, type Valid } from './corpus.js';

let d: Daemon;
let platform: EmulatorPlatform;
let valid: Valid;
const HOST_PROCESS = { securityContext: { hostProcess: true, runAsUsername: 'NT AUTHORITY\\SYSTEM' } };

async function platformObjects(): Promise<string> {
  const [s, n, e] = await Promise.all([platform.compute.enumerateComputeSystems(), platform.network.enumerateNamespaces(), platform.network.enumerateEndpoints()]);
  return JSON.stringify([s.map((x) => x.Id).sort(), n.map((x) => x.ID).sort(), e.map((x) => x.ID).sort()]);
}

before(async () => {
  d = new Daemon('wincri-hostile');
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, file: 'img.tar', names: ['example.com/hostile:1'], format: 'oci', layers: [{ 'app/x.txt': 'x' }], config: { Cmd: ['sleep', '600'] } });
  const imageId = d.importImage(tar).split('\t')[0]!.trim();
  platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
  const outside = join(d.dir, 'outside');
  mkdirSync(outside);
  // A HostProcess pod: no HNS namespace and no CNI call, so this test builds no host networking (no netns to leak,
  // and it need not wait for the host-network lock); the corpus requests derive from it.
  const pod = podConfig('hostile', join(d.logDir, 'hostile'), { windows: HOST_PROCESS });
  const podId = (await call(d.runtime, 'RunPodSandbox', { config: pod })).podSandboxId;
  valid = {
    pod, podId, outside, logDir: d.logDir,
    ctr: (over = {}) => ({ metadata: { name: 'c', attempt: 0 }, image: { image: imageId }, command: ['sleep', '600'], logPath: 'c.log', windows: HOST_PROCESS, ...over }),
  };
});
after(async () => { await platform?.close().catch(() => undefined); await d?.destroy(); });

test(`each of the ${CORPUS.length} hostile requests is InvalidArgument naming the field; the daemon is unaffected`, async () => {
  const objectsBefore = await platformObjects();
  const logsBefore = readdirSync(d.logDir).sort();
  const failures: string[] = [];
  for (const c of CORPUS) {
    const client = c.rpc === 'PullImage' ? d.image : d.runtime;
    const err = await call(client, c.rpc, c.req(valid), 120_000).then(() => undefined, (e: ServiceError) => e);
    if (!err) { failures.push(`${c.name}: ${c.rpc} succeeded`); continue; }
    if (err.code !== Status.INVALID_ARGUMENT) failures.push(`${c.name}: ${Status[err.code]}: ${err.details}`);
    else if (!c.field.test(err.details)) failures.push(`${c.name}: the message does not name ${c.field}: ${err.details}`);
  }
  assert.deepEqual(failures, [], `${failures.length} of ${CORPUS.length} cases failed:\n${failures.join('\n')}`);
  assert.ok((await call(d.runtime, 'Version', {})).runtimeName, 'Version still answers');
  assert.equal(await platformObjects(), objectsBefore, 'no compute system, namespace or endpoint was created');
  assert.deepEqual(readdirSync(valid.outside), [], 'nothing written outside the allowed directories');
  assert.deepEqual(readdirSync(d.logDir).sort(), logsBefore, 'no log directory created');
  assert.equal(existsSync(join(d.dir, 'etc')), false);
  const pods = (await call(d.runtime, 'ListPodSandbox', {})).items;
  assert.deepEqual(pods.map((p: { id: string }) => p.id), [valid.podId], 'only the valid pod exists');
  assert.deepEqual((await call(d.runtime, 'ListContainers', {})).containers, [], 'no container was created');
  assert.equal(d.proc!.exitCode, null, 'the daemon is running');
});

test('4 MB and 20 MB messages: a 4 MB annotation is InvalidArgument, a message over the 16 MB limit ResourceExhausted; the daemon serves on', async () => {
  const four = { config: { ...valid.pod, metadata: { ...valid.pod.metadata, name: 'four' }, annotations: { big: 'y'.repeat(4 * 1024 * 1024) } } };
  const e4 = await call(d.runtime, 'RunPodSandbox', four).then(() => undefined, (e: ServiceError) => e);
  assert.equal(e4 && Status[e4.code], 'INVALID_ARGUMENT', e4?.details);
  assert.match(e4!.details, /config\.annotations/);
  const twenty = { config: { ...valid.pod, annotations: { big: 'z'.repeat(20 * 1024 * 1024) } } };
  const e20 = await call(d.runtime, 'RunPodSandbox', twenty).then(() => undefined, (e: ServiceError) => e);
  assert.equal(e20 && Status[e20.code], 'RESOURCE_EXHAUSTED', e20?.details);
  assert.ok((await call(d.runtime, 'Version', {})).runtimeName);
  assert.equal((await call(d.runtime, 'ListPodSandbox', {})).items.length, 1);
});
