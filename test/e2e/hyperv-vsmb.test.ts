/**
 * Hyper-V isolation end to end: a hosted container's layers and mounts reach it as VSMB shares of the utility VM
 * (a layer shared once by the pod's containers), removed with the container that used them last, also after a
 * daemon restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from './harness.js';
import { isolationFacts } from '../../src/platform/emulator/service/isolation.js';
import { HyperVEnv, HV, type Share } from './hyperv-env.js';

const hv = HyperVEnv.forThisFile();

test('a hosted container\'s layer and mounts are VSMB shares of the VM, shared once per folder and removed with their last container', async () => {
  const { imageRef } = await call(hv.d.image, 'PullImage', { image: { image: hv.ref('cur'), runtimeHandler: HV } });
  const pod = await hv.runPod('hv-vsmb', HV);
  const vmId = `${pod.id}@vm`;
  const roDir = join(hv.d.root, 'vsmb-ro');
  const rwDir = join(hv.d.root, 'vsmb-rw');
  for (const x of [roDir, rwDir]) mkdirSync(x, { recursive: true });
  writeFileSync(join(roDir, 'in.txt'), 'mapped\n');
  const v = await hv.createCtr(pod, 'v', imageRef, { mounts: [
    { containerPath: 'C:\\ro', hostPath: roDir, readonly: true },
    { containerPath: 'C:\\data', hostPath: rwDir, readonly: false },
  ] });
  const shares = hv.containerShares(vmId);
  assert.equal(shares.length, 3, `one share for the image's layer and one per mount: ${JSON.stringify(shares)}`);
  const layer = shares.find((s) => existsSync(join(s.Path, 'Files', 'Windows', 'build.txt')));
  assert.ok(layer, 'the image layer folder is shared');
  assert.equal(layer.Options?.ReadOnly, true);
  assert.equal(layer.Options?.TakeBackupPrivilege, true);
  assert.equal(shares.find((s) => s.Path === roDir)?.Options?.ReadOnly, true, 'a read-only mount is a read-only share');
  assert.equal(shares.find((s) => s.Path === rwDir)?.Options?.ReadOnly, undefined, 'a read-write mount is a writable share');

  // A second container of the pod on the same image uses the same layer share.
  const w = await hv.createCtr(pod, 'ww', imageRef);
  assert.deepEqual(hv.containerShares(vmId), shares);
  for (const id of [v, w]) await call(hv.d.runtime, 'StartContainer', { containerId: id });
  // The hosted document named the shares' guest paths, not the host folders.
  const guest = (s: Share | undefined) => `\\\\?\\VMSMB\\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\\${s?.Name ?? '?'}`;
  assert.deepEqual(hv.emulatorRecords().find((s) => s.id === v)?.vsmb, {
    'Storage.Layers[0].Path': guest(layer),
    'MappedDirectories[0].HostPath': guest(shares.find((s) => s.Path === roDir)),
    'MappedDirectories[1].HostPath': guest(shares.find((s) => s.Path === rwDir)),
  });
  assert.deepEqual(hv.emulatorRecords().find((s) => s.id === w)?.vsmb, { 'Storage.Layers[0].Path': guest(layer) });
  assert.equal((await hv.exec(v, 'cat /Windows/build.txt')).out, '20348\n');
  assert.equal((await hv.exec(w, 'cat /Windows/build.txt')).out, '20348\n');
  assert.equal((await hv.exec(v, 'cat /ro/in.txt')).out, 'mapped\n');
  assert.equal((await hv.exec(v, 'echo yes > /data/new.txt')).code, 0);
  assert.equal(readFileSync(join(rwDir, 'new.txt'), 'utf8'), 'yes\n');
  if (isolationFacts().Enabled) {
    const ro = await hv.exec(v, 'echo no > /ro/new.txt');
    assert.notEqual(ro.code, 0);
    assert.match(ro.err, /Read-only/i);
    assert.equal(existsSync(join(roDir, 'new.txt')), false, 'the read-only mount stays read-only');
  }

  // The shares are on the pod's persisted record: after a kill -9 the restarted daemon removes the same ones.
  await hv.d.kill9();
  await hv.d.start();
  await call(hv.d.runtime, 'RemoveContainer', { containerId: v });
  assert.deepEqual(hv.containerShares(vmId), [layer], 'v\'s mounts leave the VM; the layer w uses stays');
  assert.equal((await hv.exec(w, 'cat /Windows/build.txt')).out, '20348\n');
  await call(hv.d.runtime, 'RemoveContainer', { containerId: w });
  assert.deepEqual(hv.containerShares(vmId), []);
  assert.equal((await hv.system(vmId))?.State, 'Running', 'RemoveContainer removes shares, not the VM');
  await call(hv.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
