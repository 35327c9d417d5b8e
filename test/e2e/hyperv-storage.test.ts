/**
 * The root file system of a Hyper-V isolated container over the real daemon socket, on the emulator: its scratch is
 * not mounted on the host (no storage-filter volume for it, where a process-isolated container of the same image
 * has one); the pod's utility VM combines the container's VSMB layers on the scratch's SCSI guest mount before the
 * hosted system is created (the container sees the image's files there), and RemoveContainer takes the combination
 * away with the disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from './harness.js';
import { HyperVEnv, HV } from './hyperv-env.js';

const hv = HyperVEnv.forThisFile();

interface Records { id: string; combinedLayers?: { root: string; layers: string[] }[]; scsiStorage?: string }
const emulator = <T>(file: string): T => JSON.parse(readFileSync(join(hv.d.root, 'emulator', 'records', `${file}.json`), 'utf8')) as T;
const combined = (vmId: string) => emulator<Records[]>('systems').find((s) => s.id === vmId)?.combinedLayers ?? [];
const volumeFor = (scratch: string) => (existsSync(join(hv.d.root, 'emulator', 'records', 'volumes.json')) ? emulator<{ layerPath: string }[]>('volumes') : [])
  .some((v) => v.layerPath === scratch);

async function container(handler: string, name: string, image: string) {
  const pod = await hv.runPod(`${name}-pod`, handler);
  const containerId = await hv.createCtr(pod, name, image);
  const { info } = await call(hv.d.runtime, 'ContainerStatus', { containerId, verbose: true });
  const scratch = (JSON.parse((info as Record<string, string>).info ?? '{}') as { scratchPath?: string }).scratchPath;
  assert.ok(scratch, 'ContainerStatus (verbose) names the scratch folder');
  return { pod: pod.id, id: containerId, scratch };
}

test('a hosted container\'s root is combined in its utility VM on the SCSI-attached scratch, never mounted on the host', async () => {
  const { imageRef } = await call(hv.d.image, 'PullImage', { image: { image: hv.ref('cur'), runtimeHandler: HV } });
  const plain = await container('', 'proc', imageRef as string);
  assert.ok(existsSync(plain.scratch), `scratch folder ${plain.scratch}`);
  assert.ok(volumeFor(plain.scratch), 'a process-isolated container\'s scratch is mounted on the host');

  const ctr = await container(HV, 'hosted', imageRef as string);
  const vmId = `${ctr.pod}@vm`;
  assert.ok(existsSync(join(ctr.scratch, 'sandbox.vhdx')), `the scratch disk ${ctr.scratch}`);
  assert.equal(volumeFor(ctr.scratch), false, 'the VM has the scratch disk: the host does not mount it');
  const roots = combined(vmId);
  assert.equal(roots.length, 1, JSON.stringify(roots));
  assert.equal(roots[0]!.root, 'C:\\mounts\\scsi\\m0');
  assert.match(roots[0]!.layers[0]!, /^\\\\\?\\VMSMB\\VSMB-\{dcc079ae-60ba-4d07-847c-3493609c0870\}\\s[0-9a-f]+$/);
  await call(hv.d.runtime, 'StartContainer', { containerId: ctr.id });
  assert.equal(emulator<Records[]>('systems').find((s) => s.id === ctr.id)?.scsiStorage, 'C:\\mounts\\scsi\\m0');
  assert.equal((await hv.exec(ctr.id, 'cat /Windows/build.txt')).out, '20348\n', 'the image\'s files, combined by the guest');
  await call(hv.d.runtime, 'RemoveContainer', { containerId: ctr.id });
  assert.deepEqual(combined(vmId), [], 'the combination goes with the container');
  for (const p of [plain.pod, ctr.pod]) {
    await call(hv.d.runtime, 'StopPodSandbox', { podSandboxId: p });
    await call(hv.d.runtime, 'RemovePodSandbox', { podSandboxId: p });
  }
});
