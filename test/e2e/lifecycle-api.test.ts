/**
 * End to end over the real daemon socket: Version and Status as kubelet reads them, the image service's view of
 * an imported image, validation errors that name the field, unimplemented RPCs that say what is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { probeLinuxNetworking } from '../../src/platform/emulator/service/linuxnet.js';
import { call, expectCode, podConfig } from './harness.js';
import { LifecycleEnv, IMAGE } from './lifecycle-env.js';

const le = LifecycleEnv.forThisFile();

test('Version and Status answer as kubelet requires', async () => {
  const v = await call(le.d.runtime, 'Version', { version: '0.1.0' });
  assert.equal(v.version, '0.1.0');
  assert.equal(v.runtimeName, 'wincri');
  assert.ok(v.runtimeVersion);
  assert.equal(v.runtimeApiVersion, 'v1');
  const st = await call(le.d.runtime, 'Status', { verbose: true });
  const types = st.status.conditions.map((c: { type: string }) => c.type);
  assert.deepEqual(types, ['RuntimeReady', 'NetworkReady', 'EmulatorNetworking', 'EmulatorIsolation']);
  // The emulator says whether pods get real networking, and if not why and what to install.
  const net = st.status.conditions[2];
  const canBuild = probeLinuxNetworking();
  assert.equal(net.status, canBuild.enabled, net.message);
  if (!canBuild.enabled) {
    assert.equal(net.reason, 'NoLinuxNetworking');
    assert.ok(net.message.includes(canBuild.reason) && /apt-get install iproute2 nftables/.test(net.message), net.message);
  }
  for (const [, val] of Object.entries(st.info as Record<string, string>)) assert.doesNotThrow(() => JSON.parse(val));
  const fs = await call(le.d.image, 'ImageFsInfo', {});
  assert.ok(BigInt(fs.imageFilesystems[0].timestamp) > 0n);
  assert.ok(fs.imageFilesystems[0].fsId.mountpoint);
});

test('images: list, status by id/tag/prefix, unknown image is empty', async () => {
  const { images } = await call(le.d.image, 'ListImages', {});
  assert.equal(images.length, 1);
  assert.equal(images[0].id, le.imageId);
  assert.deepEqual(images[0].repoTags, [IMAGE]);
  assert.ok(BigInt(images[0].size) > 0n);
  for (const ref of [le.imageId, IMAGE, le.imageId.slice('sha256:'.length, 'sha256:'.length + 12)]) {
    const st = await call(le.d.image, 'ImageStatus', { image: { image: ref } });
    assert.equal(st.image?.id, le.imageId, `ImageStatus(${ref})`);
  }
  const none = await call(le.d.image, 'ImageStatus', { image: { image: 'example.com/missing:latest' } });
  assert.equal(none.image, null);
});

test('validation errors name the field', async () => {
  const e1 = await expectCode(call(le.d.runtime, 'RunPodSandbox', { config: { metadata: { name: 'x', namespace: 'default' } } }), Status.INVALID_ARGUMENT);
  assert.match(e1.details, /uid/);
  const e2 = await expectCode(call(le.d.runtime, 'RunPodSandbox', { config: podConfig('h', '/tmp'), runtimeHandler: 'nope' }), Status.INVALID_ARGUMENT);
  assert.match(e2.details, /runtime_handler/);
  const pod = await le.runPod('validation');
  const e3 = await expectCode(call(le.d.runtime, 'CreateContainer', { podSandboxId: pod.id, config: { metadata: { name: 'c' }, image: { image: '' } } }), Status.INVALID_ARGUMENT);
  assert.match(e3.details, /image/);
  await expectCode(call(le.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, config: { metadata: { name: 'c' }, image: { image: 'example.com/nope:1' } },
  }), Status.NOT_FOUND);
  await expectCode(call(le.d.runtime, 'CreateContainer', { podSandboxId: 'f'.repeat(64), config: { metadata: { name: 'c' }, image: { image: le.imageId } } }), Status.NOT_FOUND);
  const e4 = await expectCode(call(le.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, config: { metadata: { name: 'c' }, image: { image: le.imageId }, windows: { resources: { cpuMaximum: 20000 } } },
  }), Status.INVALID_ARGUMENT);
  assert.match(e4.details, /cpu_maximum/);
  await expectCode(call(le.d.runtime, 'ContainerStatus', { containerId: 'deadbeef' }), Status.NOT_FOUND);
  await expectCode(call(le.d.runtime, 'ContainerStats', { containerId: 'deadbeef' }), Status.NOT_FOUND);
  await call(le.d.runtime, 'StopContainer', { containerId: 'deadbeef', timeout: 1 });
  await call(le.d.runtime, 'RemoveContainer', { containerId: 'deadbeef' });
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('unimplemented RPCs say what is missing; metrics RPCs answer', async () => {
  const e = await expectCode(call(le.d.runtime, 'CheckpointContainer', { containerId: 'x' }), Status.UNIMPLEMENTED);
  assert.match(e.details, /checkpoint/i);
  const md = await call(le.d.runtime, 'ListMetricDescriptors', {});
  assert.ok(md.descriptors.length > 0);
  await call(le.d.runtime, 'ListPodSandboxMetrics', {});
  const rc = await call(le.d.runtime, 'RuntimeConfig', {});
  assert.equal(rc.linux, null);
  await call(le.d.runtime, 'UpdateRuntimeConfig', { runtimeConfig: { networkConfig: { podCidr: '10.244.1.0/24' } } });
});
