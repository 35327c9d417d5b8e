/**
 * A hosted container's storage in its utility VM, checked as the guest needs it: its Storage.Path on a SCSI mount
 * needs the layers combined there first (else HCS_E_INVALID_LAYER, the emulator's choice: scsi-paths.ts), and a
 * SCSI attachment (hot-added, or in the VM's document) needs its virtual disk to exist (ERROR_FILE_NOT_FOUND, or
 * ERROR_PATH_NOT_FOUND when its folder is missing too, as an open on Windows fails).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rejectsWith } from '../helpers.js';
import { emulatedUtilityVm } from '../../../../helpers/emulator-vm.js';
import {
  buildCombinedLayersRequest, buildScsiScratchRequest, buildVsmbShareRequest, buildUtilityVmDocument, scsiGuestMountPath, vsmbGuestPath, vsmbOptions,
} from '../../../../../src/platform/hcs/document/index.js';
import type { ComputeSystemDoc } from '../../../../../src/platform/hcs/schema/index.js';

const hosted = (vmId: string, root: string): ComputeSystemDoc => ({
  SchemaVersion: { Major: 2, Minor: 1 }, Owner: 'wincri-test', HostingSystemId: vmId,
  HostedSystem: { SchemaVersion: { Major: 2, Minor: 1 }, Container: { Storage: { Path: root } } },
});

test('a hosted container on a SCSI mount with no layers combined on it is refused', async (t) => {
  const { dir, p, vm } = await emulatedUtilityVm(t, 'wincri-hosted-root-', 'root@vm');
  await vm.start();
  const base = join(dir, 'layers', 'base');
  mkdirSync(join(base, 'Files'), { recursive: true });
  writeFileSync(join(base, 'Files', 'who.txt'), 'base\n');
  const scratch = join(dir, 'scratch', 'c1');
  mkdirSync(join(scratch, 'Files'), { recursive: true });
  const root = scsiGuestMountPath(0);
  const disk = { vhdxPath: join(scratch, 'sandbox.vhdx'), lun: 1, guestPath: root };
  await rejectsWith(vm.modify(buildScsiScratchRequest('Add', disk)), 'ERROR_FILE_NOT_FOUND'); // no VHDX in the folder
  writeFileSync(disk.vhdxPath, '');
  await vm.modify(buildScsiScratchRequest('Add', disk));
  const e = await rejectsWith(p.compute.createComputeSystem('bare', hosted('root@vm', root)), 'HCS_E_INVALID_LAYER');
  assert.match(e.message, /no layers are combined on C:\\mounts\\scsi\\m0 in utility VM root@vm/);

  await vm.modify(buildVsmbShareRequest('Add', { Name: 's1', Path: base, Options: vsmbOptions(true, true) }));
  await vm.modify(buildCombinedLayersRequest('Add', { containerRootPath: root, layers: [{ Id: '00000000-0000-0000-0000-000000000001', Path: vsmbGuestPath('s1') }] }));
  const h = await p.compute.createComputeSystem('combined', hosted('root@vm', root));
  h.close();
  await vm.terminate();
});

test('a utility VM document whose scratch disk does not exist is refused', async (t) => {
  const { dir, p } = await emulatedUtilityVm(t, 'wincri-vm-disk-', 'disk@vm');
  const doc = buildUtilityVmDocument({
    owner: 'wincri-test', utilityVmPath: join(dir, 'base', 'UtilityVM'), scratchVhdPath: join(dir, 'gone', 'sandbox.vhdx'),
    memoryMiB: 256, processorCount: 1, hostProcessorCount: 2,
  });
  rmSync(join(dir, 'gone'), { recursive: true, force: true });
  const e = await rejectsWith(p.compute.createComputeSystem('disk2@vm', doc), 'ERROR_PATH_NOT_FOUND'); // its folder is missing too
  assert.match(e.message, /sandbox\.vhdx does not exist/);
});

test('a combined root named with a trailing backslash is the same root for hosted containers, Remove and the disk detach', async (t) => {
  const { dir, p, vm } = await emulatedUtilityVm(t, 'wincri-hosted-slash-', 'slash@vm');
  await vm.start();
  const base = join(dir, 'layers', 'base');
  mkdirSync(join(base, 'Files'), { recursive: true });
  const scratch = join(dir, 'scratch', 'c1');
  mkdirSync(join(scratch, 'Files'), { recursive: true });
  const root = scsiGuestMountPath(0);
  const disk = { vhdxPath: join(scratch, 'sandbox.vhdx'), lun: 1, guestPath: root };
  writeFileSync(disk.vhdxPath, '');
  await vm.modify(buildScsiScratchRequest('Add', disk));
  await vm.modify(buildVsmbShareRequest('Add', { Name: 's1', Path: base, Options: vsmbOptions(true, true) }));
  const layers = [{ Id: '00000000-0000-0000-0000-000000000001', Path: vsmbGuestPath('s1') }];
  await vm.modify(buildCombinedLayersRequest('Add', { containerRootPath: `${root}\\`, layers }));
  await rejectsWith(vm.modify(buildCombinedLayersRequest('Add', { containerRootPath: root.toUpperCase(), layers })), 'ERROR_ALREADY_EXISTS');
  (await p.compute.createComputeSystem('h1', hosted('slash@vm', root))).close();
  await vm.modify(buildCombinedLayersRequest('Remove', { containerRootPath: root, layers: [] }));
  await rejectsWith(vm.modify(buildCombinedLayersRequest('Remove', { containerRootPath: root, layers: [] })), 'ERROR_NOT_FOUND');
  // Combined again with the backslash, the disk's detach takes the combination with it.
  await vm.modify(buildCombinedLayersRequest('Add', { containerRootPath: `${root}\\`, layers }));
  await vm.modify(buildScsiScratchRequest('Remove', disk));
  await vm.modify(buildScsiScratchRequest('Add', disk));
  await rejectsWith(p.compute.createComputeSystem('h2', hosted('slash@vm', root)), 'HCS_E_INVALID_LAYER');
  await vm.terminate();
});
