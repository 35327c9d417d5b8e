/**
 * Reviewed fixtures of the guest CombinedLayers request of a hosted container (hcs/document/combined-layers.ts,
 * hcsshim internal/uvm/combine_layers.go CombineLayersWCOW / RemoveCombinedLayersWCOW): guest-only (no
 * ResourcePath), ContainerRootPath = the scratch's SCSI guest mount, Layers = {Id, VSMB guest path}. Schema-checked
 * (GuestRequest against guestrequest.ModificationRequest, Settings against guestresource.WCOWCombinedLayers), equal
 * to the builders' output (WINCRI_UPDATE_FIXTURES=1 regenerates them), and accepted by the emulator's guest only
 * on a SCSI mount of the VM with read-only VSMB shares of the VM as layers; a hosted container on that mount sees
 * the union.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, type Schema } from '../../src/platform/schema.js';
import {
  ModifySettingRequest, GuestModificationRequest, WcowCombinedLayers, type ComputeSystemDoc, type ModifySettingRequestDoc,
} from '../../src/platform/hcs/schema/index.js';
import {
  buildCombinedLayersRequest, buildScsiScratchRequest, buildVsmbShareRequest, combinedLayersOf, scsiGuestMountPath, vsmbGuestPath, vsmbOptions,
  SCSI_FIRST_CONTAINER_LUN,
} from '../../src/platform/hcs/document/index.js';
import { rejectsWith, readAll } from '../helpers/platform.js';
import { checkFixture, loadFixture } from '../helpers/fixtures.js';
import { emulatedUtilityVm } from '../helpers/emulator-vm.js';

const VM_ID = '9f3e2d1c0b4a5968@vm';
const LAYERS = [
  { Id: '0c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f', Path: vsmbGuestPath('s1') },
  { Id: '1d2e3f4a-5b6c-5d7e-8f90-a1b2c3d4e5f6', Path: vsmbGuestPath('s2') },
];
const ROOT = scsiGuestMountPath(0);
const FILES = { add: 'utility-vm-combined-layers-add.json', remove: 'utility-vm-combined-layers-remove.json' };

test('CombinedLayers fixtures: guest-only requests, schema-valid, the scratch mount as root, VSMB layers; equal to what wincri builds', () => {
  for (const [file, type] of [[FILES.add, 'Add'], [FILES.remove, 'Remove']] as const) {
    const r = checkFixture(file, ModifySettingRequest as Schema<unknown>, buildCombinedLayersRequest(type, { containerRootPath: ROOT, layers: LAYERS })) as ModifySettingRequestDoc;
    assert.deepEqual(Object.keys(r), ['GuestRequest'], `${file}: a guest-only request (no ResourcePath, no host Settings)`);
    const g = validate(GuestModificationRequest, r.GuestRequest);
    assert.ok(g.ok && g.value.ResourceType === 'CombinedLayers' && g.value.RequestType === type, `${file}: guest request`);
    const s = validate(WcowCombinedLayers, g.value.Settings);
    assert.ok(s.ok, s.ok ? '' : `${file}: ${s.problem.path}: ${s.problem.message}`);
    assert.deepEqual(s.value, type === 'Add' ? { ContainerRootPath: ROOT, Layers: LAYERS } : { ContainerRootPath: ROOT }, 'no ScratchPath, no FilterType');
  }
  // What the guest combines is read off the hosted document: its storage names the same guest paths.
  const hosted = loadFixture<ComputeSystemDoc>('container-hyperv-scsi-scratch.json').HostedSystem!.Container!;
  assert.deepEqual(combinedLayersOf({ ...hosted, Storage: { ...hosted.Storage, Layers: LAYERS } }), { containerRootPath: ROOT, layers: LAYERS });
  assert.throws(() => buildCombinedLayersRequest('Add', { containerRootPath: ROOT, layers: [{ Id: LAYERS[0]!.Id, Path: 'C:\\layers\\base' }] }), /not a VSMB guest path/);
  assert.throws(() => buildCombinedLayersRequest('Add', { containerRootPath: '\\\\?\\Volume{x}\\', layers: LAYERS }), /not a SCSI guest mount/);
  assert.throws(() => buildCombinedLayersRequest('Add', { containerRootPath: ROOT, layers: [] }), /at least its base layer/);
});

test('the emulator\'s guest combines read-only VSMB layers on a SCSI mount of the VM; a hosted container there sees the union', async (t) => {
  const { dir, p, vm } = await emulatedUtilityVm(t, 'wincri-fixtures-combine-', VM_ID);
  const add = loadFixture<ModifySettingRequestDoc>(FILES.add);
  const remove = loadFixture<ModifySettingRequestDoc>(FILES.remove);
  await rejectsWith(vm.modify(add), 'HCS_E_INVALID_STATE');
  await vm.start();
  const layer = (name: string, files: Record<string, string>) => {
    const d = join(dir, 'layers', name);
    mkdirSync(join(d, 'Files'), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, 'Files', f), text);
    return d;
  };
  const top = layer('top', { 'app.txt': 'app\n', 'who.txt': 'top\n' });
  const base = layer('base', { 'build.txt': '20348\n', 'who.txt': 'base\n' });
  const scratch = join(dir, 'scratch', 'c1');
  mkdirSync(join(scratch, 'Files'), { recursive: true });
  writeFileSync(join(scratch, 'sandbox.vhdx'), '');
  await rejectsWith(vm.modify(add), 'ERROR_PATH_NOT_FOUND'); // the root is no SCSI mount yet
  await vm.modify(buildScsiScratchRequest('Add', { vhdxPath: join(scratch, 'sandbox.vhdx'), lun: SCSI_FIRST_CONTAINER_LUN, guestPath: ROOT }));
  await rejectsWith(vm.modify(add), 'ERROR_PATH_NOT_FOUND'); // the layers are no shares yet
  await vm.modify(buildVsmbShareRequest('Add', { Name: 's1', Path: top, Options: vsmbOptions(false) }));
  await vm.modify(buildVsmbShareRequest('Add', { Name: 's2', Path: base, Options: vsmbOptions(true, true) }));
  await rejectsWith(vm.modify(add), 'E_ACCESSDENIED'); // a layer's share must be read-only
  await vm.modify(buildVsmbShareRequest('Remove', { Name: 's1' }));
  await vm.modify(buildVsmbShareRequest('Add', { Name: 's1', Path: top, Options: vsmbOptions(true, true) }));
  await vm.modify(add);
  await rejectsWith(vm.modify(add), 'ERROR_ALREADY_EXISTS');
  const h = await p.compute.createComputeSystem('hosted-combined', loadFixture<ComputeSystemDoc>('container-hyperv-scsi-scratch.json'));
  await h.start();
  const run = await h.createProcess({ CommandLine: 'sh -c "cat app.txt build.txt who.txt"', CreateStdOutPipe: true });
  assert.equal(await readAll(run.stdio.stdout), 'app\n20348\ntop\n', 'the first layer is the top-most');
  run.close();
  await h.terminate();
  h.close();
  await vm.modify(remove);
  await rejectsWith(vm.modify(remove), 'ERROR_NOT_FOUND');
  await vm.terminate();
});
