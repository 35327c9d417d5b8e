/**
 * HcsDestroyLayer refuses a layer that is in use, as Windows does (ERROR_SHARING_VIOLATION, layer-use.ts): its
 * storage filter attached, the C:\ of a compute system that has not stopped, or its disk attached to a running
 * utility VM over SCSI. Once released, the same call deletes the layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, rejectsWith, containerDoc } from '../helpers.js';
import { emulatedUtilityVm } from '../../../../helpers/emulator-vm.js';
import { buildScsiScratchRequest, scsiGuestMountPath } from '../../../../../src/platform/hcs/document/index.js';

function baseLayer(dir: string): string {
  mkdirSync(join(dir, 'Files'), { recursive: true });
  writeFileSync(join(dir, 'Files', 'a.txt'), 'a');
  return dir;
}

test('destroyLayer: refused while the storage filter is attached or a running container has it as C:\\', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { storage, compute } = env.platform;
  const ld = { Layers: [{ Id: '00000000-0000-0000-0000-000000000001', Path: baseLayer(join(env.dir, 'base')) }] };
  const scratch = join(env.dir, 'scratch', 'c1');
  await storage.initializeWritableLayer(scratch, ld);
  await storage.attachLayerStorageFilter(scratch, ld);
  const attached = await rejectsWith(storage.destroyLayer(scratch), 'ERROR_SHARING_VIOLATION');
  assert.match(attached.message, /storage filter is attached/);

  const vol = await storage.getLayerMountPath(scratch);
  const s = await compute.createComputeSystem('c1', containerDoc({ Storage: { Path: vol, Layers: ld.Layers } }));
  await s.start();
  await storage.detachLayerStorageFilter(scratch);
  const running = await rejectsWith(storage.destroyLayer(scratch), 'ERROR_SHARING_VIOLATION');
  assert.match(running.message, /C:\\ of compute system c1/);
  await s.terminate();
  s.close();
  await storage.destroyLayer(scratch);
  assert.equal(existsSync(scratch), false);
  await storage.destroyLayer(scratch); // a layer that is gone is no error
});

test('destroyLayer: refused while the layer\'s disk is attached to a utility VM over SCSI', async (t) => {
  const { dir, p, vm } = await emulatedUtilityVm(t, 'wincri-destroy-scsi-', 'destroy@vm');
  await vm.start();
  const scratch = join(dir, 'scratch', 'c2');
  await p.storage.initializeWritableLayer(scratch, { Layers: [{ Id: '00000000-0000-0000-0000-000000000001', Path: baseLayer(join(dir, 'base2')) }] });
  const disk = { vhdxPath: join(scratch, 'sandbox.vhdx'), lun: 1, guestPath: scsiGuestMountPath(0) };
  await vm.modify(buildScsiScratchRequest('Add', disk));
  const e = await rejectsWith(p.storage.destroyLayer(scratch), 'ERROR_SHARING_VIOLATION');
  assert.match(e.message, /attached to utility VM destroy@vm \(SCSI .* LUN 1\)/);
  await vm.modify(buildScsiScratchRequest('Remove', disk));
  await p.storage.destroyLayer(scratch);
  assert.equal(existsSync(scratch), false);
  await vm.terminate();
});
