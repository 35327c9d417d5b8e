/**
 * The root file system of a Hyper-V isolated container over the real daemon socket, on the emulator: its scratch is
 * not mounted on the host (no storage-filter volume for it, where a process-isolated container of the same image
 * has one); the pod's utility VM combines the container's VSMB layers on the scratch's SCSI guest mount before the
 * hosted system is created (the container sees the image's files there), and RemoveContainer takes the combination
 * away with the disk.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { startRegistry, makeImage, Pusher, type Registry } from '../helpers/registry.js';
import { buildBaseLayerWithUtilityVm } from '../helpers/image-builder.js';

const HV = 'runhcs-wcow-hypervisor';
let d: Daemon;
let reg: Registry;
const IMG = makeImage({ osVersion: '10.0.20348.1', rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '20348\n' })] });

before(async () => {
  reg = await startRegistry();
  await new Pusher({ url: reg.url }).image('e2e/uvm', '1', IMG);
  d = new Daemon('wincri-hv-storage');
  appendFileSync(d.configFile, `registries:\n  "${reg.host}":\n    insecure: true\n`);
  await d.start();
});

after(async () => {
  await d?.destroy();
  await reg?.stop();
});

interface Records { id: string; combinedLayers?: { root: string; layers: string[] }[]; scsiStorage?: string }
const emulator = <T>(file: string): T => JSON.parse(readFileSync(join(d.root, 'emulator', 'records', `${file}.json`), 'utf8')) as T;
const combined = (vmId: string) => emulator<Records[]>('systems').find((s) => s.id === vmId)?.combinedLayers ?? [];
const volumeFor = (scratch: string) => (existsSync(join(d.root, 'emulator', 'records', 'volumes.json')) ? emulator<{ layerPath: string }[]>('volumes') : [])
  .some((v) => v.layerPath === scratch);

async function container(handler: string, name: string, image: string) {
  const config = podConfig(`${name}-pod`, join(d.logDir, name));
  mkdirSync(join(config.logDirectory, name), { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config, runtimeHandler: handler });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId, sandboxConfig: config,
    config: { metadata: { name, attempt: 0 }, image: { image }, command: ['sh', '-c', 'exec sleep 100001'], logPath: `${name}/0.log` },
  });
  const { info } = await call(d.runtime, 'ContainerStatus', { containerId, verbose: true });
  const scratch = (JSON.parse((info as Record<string, string>).info ?? '{}') as { scratchPath?: string }).scratchPath;
  assert.ok(scratch, 'ContainerStatus (verbose) names the scratch folder');
  return { pod: podSandboxId as string, id: containerId as string, scratch };
}

test('a hosted container\'s root is combined in its utility VM on the SCSI-attached scratch, never mounted on the host', async () => {
  const { imageRef } = await call(d.image, 'PullImage', { image: { image: `${reg.host}/e2e/uvm:1`, runtimeHandler: HV } });
  const plain = await container('', 'proc', imageRef as string);
  assert.ok(existsSync(plain.scratch), `scratch folder ${plain.scratch}`);
  assert.ok(volumeFor(plain.scratch), 'a process-isolated container\'s scratch is mounted on the host');

  const hv = await container(HV, 'hosted', imageRef as string);
  const vmId = `${hv.pod}@vm`;
  assert.ok(existsSync(join(hv.scratch, 'sandbox.vhdx')), `the scratch disk ${hv.scratch}`);
  assert.equal(volumeFor(hv.scratch), false, 'the VM has the scratch disk: the host does not mount it');
  const roots = combined(vmId);
  assert.equal(roots.length, 1, JSON.stringify(roots));
  assert.equal(roots[0]!.root, 'C:\\mounts\\scsi\\m0');
  assert.match(roots[0]!.layers[0]!, /^\\\\\?\\VMSMB\\VSMB-\{dcc079ae-60ba-4d07-847c-3493609c0870\}\\s[0-9a-f]+$/);
  await call(d.runtime, 'StartContainer', { containerId: hv.id });
  assert.equal(emulator<Records[]>('systems').find((s) => s.id === hv.id)?.scsiStorage, 'C:\\mounts\\scsi\\m0');
  const r = await call(d.runtime, 'ExecSync', { containerId: hv.id, cmd: ['sh', '-c', 'cat /Windows/build.txt'], timeout: 20 });
  assert.equal(Buffer.from(r.stdout).toString(), '20348\n', 'the image\'s files, combined by the guest');
  await call(d.runtime, 'RemoveContainer', { containerId: hv.id });
  assert.deepEqual(combined(vmId), [], 'the combination goes with the container');
  for (const p of [plain.pod, hv.pod]) {
    await call(d.runtime, 'StopPodSandbox', { podSandboxId: p });
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId: p });
  }
});
