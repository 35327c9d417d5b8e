/**
 * Hyper-V isolation end to end: a hosted container's scratch is a SCSI disk of the utility VM (the root's writes
 * land in it), detached at RemoveContainer, also after a daemon restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from './harness.js';
import { HyperVEnv, HV } from './hyperv-env.js';

const hv = HyperVEnv.forThisFile();

test('a hosted container\'s scratch is a SCSI disk of the VM: its root writes land in the scratch, RemoveContainer detaches it', async () => {
  const { imageRef } = await call(hv.d.image, 'PullImage', { image: { image: hv.ref('cur'), runtimeHandler: HV } });
  const pod = await hv.runPod('hv-scsi', HV);
  const vmId = `${pod.id}@vm`;
  const attachments = () => {
    const vm = hv.emulatorRecords().find((s) => s.id === vmId) as { document: { VirtualMachine?: { Devices?: { Scsi?: Record<string, { Attachments?: Record<string, { Path: string }> }> } } } } | undefined;
    return Object.entries(vm?.document.VirtualMachine?.Devices?.Scsi?.['df6d0690-79e5-55b6-a5ec-c1e2f77f580a']?.Attachments ?? {}).filter(([lun]) => lun !== '0');
  };
  const id = await hv.createCtr(pod, 's', imageRef);
  const disks = attachments();
  assert.equal(disks.length, 1, `the container's scratch is attached: ${JSON.stringify(disks)}`);
  const [lun, disk] = disks[0]!;
  assert.equal(lun, '1', 'LUN 0 is the VM\'s own scratch');
  assert.match(disk.Path, new RegExp(`${id}[\\\\/]sandbox\\.vhdx$`));
  await call(hv.d.runtime, 'StartContainer', { containerId: id });
  const hosted = hv.emulatorRecords().find((s) => s.id === id) as { scsiStorage?: string } | undefined;
  assert.equal(hosted?.scsiStorage, 'C:\\mounts\\scsi\\m0', 'the hosted document named the guest mount of its scratch');
  assert.equal((await hv.exec(id, 'echo scratch > /written.txt && cat /Windows/build.txt')).out, '20348\n');
  assert.equal(readFileSync(join(disk.Path.replace(/[\\/]sandbox\.vhdx$/, ''), 'Files', 'written.txt'), 'utf8'), 'scratch\n');
  // The attachment is on the pod's persisted record: after a kill -9 the restarted daemon detaches the same LUN.
  await hv.d.kill9();
  await hv.d.start();
  await call(hv.d.runtime, 'RemoveContainer', { containerId: id });
  assert.deepEqual(attachments(), [], 'RemoveContainer detaches the scratch');
  assert.equal((await hv.system(vmId))?.State, 'Running');
  await call(hv.d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
