/**
 * The Windows backend's Hyper-V calls against the fake computecore (test/ffi/fakehcs.c), through the unchanged
 * koffi bindings: HcsGrantVmAccess with the VM ID and the scratch disk's path (ERROR_FILE_NOT_FOUND for a missing
 * file), and the utility-VM modify requests from the reviewed fixtures (NIC pre-add / add / remove, VSMB shares,
 * the gMSA HvSocket service, a hosted container's scratch attach / detach and the guest's CombinedLayers add /
 * remove) reaching HcsModifyComputeSystem byte for byte as JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWindowsPlatform } from '../../src/platform/windows/index.js';
import { buildUtilityVmDocument } from '../../src/platform/hcs/document/index.js';
import type { ModifySettingRequestDoc } from '../../src/platform/hcs/schema/index.js';
import { rejectsWith } from '../helpers/platform.js';
import { buildFakeLibrary, fakeLibraries, FakeControls } from './fakelib.js';

function fixture<T>(file: string): T {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'test', 'ffi', 'fixtures'))) d = dirname(d);
  return JSON.parse(readFileSync(join(d, 'test', 'ffi', 'fixtures', file), 'utf8')) as T;
}

test('windows backend: HcsGrantVmAccess and the utility-VM modify requests reach computecore as built', async (t) => {
  const so = buildFakeLibrary();
  const fake = new FakeControls(so);
  fake.clearFails();
  const platform = await createWindowsPlatform({ libraries: fakeLibraries(so), host: { osVersion: '10.0.20348', architecture: 'amd64' } });
  const dir = mkdtempSync(join(tmpdir(), 'wincri-uvm-ffi-'));
  t.after(async () => { await platform.close(); fake.killAll(); rmSync(dir, { recursive: true, force: true }); });
  const vmId = 'aa11bb22cc33dd44@vm';
  const disk = join(dir, 'sandbox.vhdx');
  writeFileSync(disk, 'vhdx');
  fake.clearCalls();
  await platform.compute.grantVmAccess(vmId, disk);
  assert.deepEqual(fake.calls().filter((c) => c.fn === 'HcsGrantVmAccess').map((c) => c.args), [[vmId, disk]]);
  await rejectsWith(platform.compute.grantVmAccess(vmId, join(dir, 'missing.vhdx')), 'ERROR_FILE_NOT_FOUND');

  const vm = await platform.compute.createComputeSystem(vmId, buildUtilityVmDocument({
    owner: 'wincri', utilityVmPath: join(dir, 'UtilityVM'), scratchVhdPath: disk, memoryMiB: 256, processorCount: 1, hostProcessorCount: 2,
  }));
  await vm.start();
  const requests = [
    fixture<ModifySettingRequestDoc>('utility-vm-nic-preadd.json'),
    fixture<ModifySettingRequestDoc>('utility-vm-nic-add.json'),
    ...fixture<ModifySettingRequestDoc[]>('utility-vm-vsmb-shares.json'),
    fixture<ModifySettingRequestDoc>('utility-vm-hvsocket-service.json'),
    fixture<ModifySettingRequestDoc>('utility-vm-scsi-scratch-add.json'),
    fixture<ModifySettingRequestDoc>('utility-vm-combined-layers-add.json'),
    fixture<ModifySettingRequestDoc>('utility-vm-combined-layers-remove.json'),
    fixture<ModifySettingRequestDoc>('utility-vm-scsi-scratch-remove.json'),
    fixture<ModifySettingRequestDoc>('utility-vm-nic-remove.json'),
  ];
  fake.clearCalls();
  for (const r of requests) await vm.modify(r);
  const sent = fake.calls().filter((c) => c.fn === 'HcsModifyComputeSystem').map((c) => JSON.parse(c.args[0] as string) as unknown);
  assert.deepEqual(sent, requests);
  await vm.terminate();
  // A stopped VM takes no more requests (HCS_E_INVALID_STATE), as HCS answers.
  await rejectsWith(vm.modify(requests[1]!), 'HCS_E_INVALID_STATE');
  vm.close();
});
