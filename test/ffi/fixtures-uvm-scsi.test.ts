/**
 * Reviewed fixtures of a hosted container's scratch over SCSI (hcs/document/scsi.ts): the attach and detach requests
 * for its VHDX with the guest mount request, and the hosted document whose Storage.Path names the guest mount.
 * Schema-checked (guest requests against guestrequest / WCOWMappedVirtualDisk), equal to the builders' output
 * (WINCRI_UPDATE_FIXTURES=1 npm test -- ffi/fixtures-uvm-scsi regenerates them) and accepted by the emulator,
 * which resolves the guest path to the writable layer the disk stands for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, type Schema } from '../../src/platform/schema.js';
import {
  ComputeSystem, ModifySettingRequest, GuestModificationRequest, WcowMappedVirtualDisk, type ComputeSystemDoc, type ModifySettingRequestDoc,
} from '../../src/platform/hcs/schema/index.js';
import {
  buildContainerDocument, buildScsiScratchRequest, scsiHostedStorage, scsiGuestMountPath, hostedSystemDocument,
  buildCombinedLayersRequest, buildVsmbShareRequest, vsmbGuestPath, vsmbOptions,
  SCSI_FIRST_CONTAINER_LUN,
} from '../../src/platform/hcs/document/index.js';
import type { ContainerSpec } from '../../src/platform/spec.js';
import { rejectsWith, readAll } from '../helpers/platform.js';
import { checkFixture, loadFixture } from '../helpers/fixtures.js';
import { emulatedUtilityVm } from '../helpers/emulator-vm.js';

const VM_ID = '9f3e2d1c0b4a5968@vm';
const SCRATCH = { vhdxPath: 'C:\\ProgramData\\wincri\\scratch\\7b1c2a7be0d9\\sandbox.vhdx', lun: SCSI_FIRST_CONTAINER_LUN, guestPath: scsiGuestMountPath(0) };
const SPEC: ContainerSpec = {
  ociVersion: '1.1.0', hostname: 'app-0', annotations: {}, mounts: [],
  process: { args: ['C:\\app\\app.exe'], env: [], cwd: 'C:\\', terminal: false, user: { username: 'ContainerUser' } },
  windows: { layerFolders: [], network: { networkNamespace: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }, hyperv: {} },
};
const HOSTED = buildContainerDocument(SPEC, {
  owner: 'wincri', storagePath: '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000003}\\', layers: [], hostProcessorCount: 8, hostingSystemId: VM_ID,
});
const FILES = {
  add: 'utility-vm-scsi-scratch-add.json', remove: 'utility-vm-scsi-scratch-remove.json', hosted: 'container-hyperv-scsi-scratch.json',
};
const asSchema = <T>(s: Schema<T>) => s as Schema<unknown>;

test('SCSI scratch fixtures: schema-valid, guest requests mount / unmount the LUN, equal to what wincri builds', () => {
  for (const [file, type] of [[FILES.add, 'Add'], [FILES.remove, 'Remove']] as const) {
    const r = checkFixture(file, asSchema(ModifySettingRequest), buildScsiScratchRequest(type, SCRATCH)) as ModifySettingRequestDoc;
    assert.equal(r.ResourcePath, `VirtualMachine/Devices/Scsi/df6d0690-79e5-55b6-a5ec-c1e2f77f580a/Attachments/${SCRATCH.lun}`);
    const g = validate(GuestModificationRequest, r.GuestRequest);
    assert.ok(g.ok && g.value.ResourceType === 'MappedVirtualDisk' && g.value.RequestType === type, `${file}: guest request`);
    const d = validate(WcowMappedVirtualDisk, g.value.Settings);
    assert.ok(d.ok, d.ok ? '' : `${file}: ${d.problem.path}: ${d.problem.message}`);
    assert.deepEqual(d.value, { ContainerPath: 'C:\\mounts\\scsi\\m0', Lun: 1 });
  }
  const hosted = checkFixture(FILES.hosted, asSchema(ComputeSystem), hostedSystemDocument(scsiHostedStorage(HOSTED.HostedSystem!.Container!, SCRATCH.guestPath), {
    owner: 'wincri', hostingSystemId: VM_ID, schemaVersion: HOSTED.SchemaVersion!,
  })) as ComputeSystemDoc;
  assert.equal(hosted.HostedSystem!.Container!.Storage!.Path, 'C:\\mounts\\scsi\\m0');
  assert.throws(() => buildScsiScratchRequest('Add', { ...SCRATCH, lun: 64 }), /out of range/);
});

test('the emulator attaches the scratch disk to a running VM, a hosted container writes into it, detach unmounts it', async (t) => {
  const { dir, p, vm } = await emulatedUtilityVm(t, 'wincri-fixtures-scsi-', VM_ID);
  const add = loadFixture<ModifySettingRequestDoc>(FILES.add);
  // A writable layer folder of this machine stands in for the Windows one holding sandbox.vhdx.
  const layer = join(dir, 'scratch', 'c1');
  mkdirSync(join(layer, 'Files'), { recursive: true });
  writeFileSync(join(layer, 'Files', 'from-layer.txt'), 'in the scratch');
  writeFileSync(join(layer, 'sandbox.vhdx'), ''); // the disk itself (the emulator checks it exists)
  const local = { ...add, Settings: { ...(add.Settings as object), Path: join(layer, 'sandbox.vhdx') } };
  await rejectsWith(vm.modify(local), 'HCS_E_INVALID_STATE');
  await vm.start();
  await rejectsWith(vm.modify({ ...add, Settings: { ...(add.Settings as object), Path: join(dir, 'nowhere', 'sandbox.vhdx') } }), 'ERROR_PATH_NOT_FOUND');
  await vm.modify(local);
  await rejectsWith(vm.modify(local), 'ERROR_ALREADY_EXISTS');
  const hosted = loadFixture<ComputeSystemDoc>(FILES.hosted);
  // A bare scratch is no container root: the guest combines the image's layers on it first (vm-combine.ts).
  await rejectsWith(p.compute.createComputeSystem('hosted-bare', hosted), 'HCS_E_INVALID_LAYER');
  const base = join(dir, 'layers', 'base');
  mkdirSync(join(base, 'Files'), { recursive: true });
  await vm.modify(buildVsmbShareRequest('Add', { Name: 's1', Path: base, Options: vsmbOptions(true, true) }));
  await vm.modify(buildCombinedLayersRequest('Add', { containerRootPath: SCRATCH.guestPath, layers: [{ Id: '0c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f', Path: vsmbGuestPath('s1') }] }));
  const h = await p.compute.createComputeSystem('hosted-scsi', hosted);
  await h.start();
  const run = await h.createProcess({ CommandLine: 'sh -c "cat from-layer.txt; echo written > written.txt"', CreateStdOutPipe: true });
  assert.equal(await readAll(run.stdio.stdout), 'in the scratch');
  run.close();
  assert.equal(readFileSync(join(layer, 'Files', 'written.txt'), 'utf8'), 'written\n');
  await h.terminate();
  h.close();
  const remove = loadFixture<ModifySettingRequestDoc>(FILES.remove);
  await vm.modify(remove);
  await rejectsWith(vm.modify(remove), 'ERROR_NOT_FOUND');
  // The guest path is no longer mounted: a hosted document naming it resolves to nothing.
  await rejectsWith(p.compute.createComputeSystem('hosted-unmounted', loadFixture<ComputeSystemDoc>(FILES.hosted)), 'ERROR_NOT_FOUND');
  await vm.terminate();
});
