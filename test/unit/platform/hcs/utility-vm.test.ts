import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildUtilityVmDocument, buildContainerDocument, childPath, normalizeVmMemory, DocumentError, SCSI_CONTROLLER_0,
} from '../../../../src/platform/hcs/document/index.js';
import { validate } from '../../../../src/platform/schema.js';
import { ComputeSystem } from '../../../../src/platform/hcs/schema/index.js';
import type { ContainerSpec } from '../../../../src/platform/spec.js';

const base = { owner: 'wincri', utilityVmPath: 'C:\\layers\\base\\UtilityVM', scratchVhdPath: 'C:\\c\\p@vm\\sandbox.vhdx', hostProcessorCount: 4 };

test('utility VM: memory aligned to 2 MiB, processors clamped to the host, boot share and scratch disk', () => {
  const d = buildUtilityVmDocument({ ...base, memoryMiB: 1023.5, processorCount: 16 });
  assert.ok(validate(ComputeSystem, d).ok);
  const vm = d.VirtualMachine!;
  assert.equal(vm.ComputeTopology?.Memory?.SizeInMB, 1024);
  assert.deepEqual(vm.ComputeTopology?.Processor, { Count: 4 });
  assert.equal(vm.Devices?.VirtualSmb?.Shares?.[0]?.Path, 'C:\\layers\\base\\UtilityVM\\Files');
  assert.equal(vm.Devices?.Scsi?.[SCSI_CONTROLLER_0]?.Attachments?.['0']?.Path, 'C:\\c\\p@vm\\sandbox.vhdx');
  assert.equal(vm.Chipset?.Uefi?.BootThis?.DeviceType, 'VmbFs');
  assert.equal(d.ShouldTerminateOnLastHandleClosed, false, 'the VM outlives the daemon like its containers');
  assert.equal(buildUtilityVmDocument({ ...base, memoryMiB: 512, processorCount: 1, processorLimit: 250000 }).VirtualMachine?.ComputeTopology?.Processor?.Limit, 100000);
  assert.equal(normalizeVmMemory(1793), 1794);
});

test('utility VM: missing boot files or impossible sizes are document errors', () => {
  assert.throws(() => buildUtilityVmDocument({ ...base, utilityVmPath: '', memoryMiB: 512, processorCount: 1 }), DocumentError);
  assert.throws(() => buildUtilityVmDocument({ ...base, memoryMiB: 0, processorCount: 1 }), /memory/);
  assert.throws(() => buildUtilityVmDocument({ ...base, memoryMiB: 512, processorCount: 0 }), /processor/);
});

test('childPath keeps the style of its parent (Windows host, Linux emulator)', () => {
  assert.equal(childPath('C:\\l\\base\\', 'UtilityVM', 'Files'), 'C:\\l\\base\\UtilityVM\\Files');
  assert.equal(childPath('/var/lib/wincri/layers/x/', 'UtilityVM'), '/var/lib/wincri/layers/x/UtilityVM');
});

const spec = (hyperv: boolean): ContainerSpec => ({
  ociVersion: '1.1.0', process: { args: ['cmd'], env: [], cwd: 'C:\\', terminal: false, user: {} }, mounts: [], annotations: {},
  windows: { layerFolders: ['C:\\l\\base'], network: { networkNamespace: 'ns-guid' }, ...(hyperv ? { hyperv: {} } : {}) },
});
const opts = { owner: 'wincri', storagePath: '\\\\?\\Volume{x}\\', layers: [{ id: 'g', path: 'C:\\l\\base' }], hostProcessorCount: 4 };

test('a Hyper-V container is the same Container hosted in the pod\'s VM', () => {
  const argon = buildContainerDocument(spec(false), opts);
  const xenon = buildContainerDocument(spec(true), { ...opts, hostingSystemId: 'p@vm' });
  assert.ok(validate(ComputeSystem, xenon).ok);
  assert.equal(xenon.HostingSystemId, 'p@vm');
  assert.equal(xenon.Container, undefined);
  assert.deepEqual(xenon.HostedSystem?.Container, argon.Container);
  assert.deepEqual(xenon.HostedSystem?.SchemaVersion, { Major: 2, Minor: 1 });
  assert.throws(() => buildContainerDocument(spec(true), opts), /HostingSystemId/);
});
