/**
 * A hosted container's scratch as a SCSI disk of its pod's utility VM (runtime/hyperv/uvm-scsi.ts), against a
 * recording stand-in for the VM handle and the pod store: the record (LUN, guest path) is saved before the attach,
 * the VM granted access to the VHDX before the attach request and the record marked attached after; a leftover
 * unattached record is attached again (an attached LUN being no error), a failed attach leaves no record, detach
 * frees the LUN also when the VM is gone, and the hosted document names the guest mount.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachContainerScratch, detachContainerScratch, withScsiScratch } from '../../../src/runtime/hyperv/uvm-scsi.js';
import type { RuntimeState } from '../../../src/runtime/state.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';
import type { ComputeSystem } from '../../../src/platform/types.js';
import type { ModifySettingRequestDoc } from '../../../src/platform/hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { isRuntimeError } from '../../../src/errors.js';

function setup(modify: (r: ModifySettingRequestDoc) => Promise<void> = async () => undefined, open?: () => Promise<ComputeSystem>) {
  const pod = { id: 'p', utilityVm: { id: 'p@vm', memoryMiB: 1024, processorCount: 1, created: true } } as SandboxRecord;
  const sent: ModifySettingRequestDoc[] = [];
  const saved: string[] = [];
  const steps: string[] = [];
  const vm = { id: 'p@vm', modify: async (r: ModifySettingRequestDoc) => { steps.push(`modify ${r.RequestType}`); sent.push(r); await modify(r); }, close: () => undefined } as unknown as ComputeSystem;
  const grantVmAccess = async (vmId: string, path: string) => { steps.push(`grant ${vmId} ${path}`); };
  const st = {
    opts: { platform: { compute: { openComputeSystem: open ?? (async () => vm), grantVmAccess } } },
    sandboxes: { get: (id: string) => (id === 'p' ? pod : undefined), save: async (p: SandboxRecord) => { saved.push(JSON.stringify(p.utilityVm?.scsi ?? [])); } },
    locks: { run: async <T>(_k: string, f: () => Promise<T>) => f() },
  } as unknown as RuntimeState;
  return { st, pod, sent, saved, steps };
}

test('attach records the LUN and guest path before the attach, marks it after; a second container gets the next LUN; detach frees it', async () => {
  const { st, pod, sent, saved, steps } = setup();
  await attachContainerScratch(st, 'p', 'c1', '/scratch/c1');
  assert.deepEqual(steps, ['grant p@vm /scratch/c1/sandbox.vhdx', 'modify Add'], 'the VM may open the VHDX before it is attached');
  assert.deepEqual(JSON.parse(saved[0]!), [{ containerId: 'c1', lun: 1, guestPath: 'C:\\mounts\\scsi\\m0', vhdxPath: '/scratch/c1/sandbox.vhdx' }], 'recorded before the attach');
  assert.equal(pod.utilityVm!.scsi![0]!.attached, true);
  assert.equal(sent[0]!.RequestType, 'Add');
  assert.equal(sent[0]!.ResourcePath, 'VirtualMachine/Devices/Scsi/df6d0690-79e5-55b6-a5ec-c1e2f77f580a/Attachments/1');
  await attachContainerScratch(st, 'p', 'c1', '/scratch/c1');
  assert.equal(sent.length, 1, 'an attached scratch is not attached again');
  await attachContainerScratch(st, 'p', 'c2', '/scratch/c2');
  assert.deepEqual(pod.utilityVm!.scsi!.map((r) => [r.lun, r.guestPath]), [[1, 'C:\\mounts\\scsi\\m0'], [2, 'C:\\mounts\\scsi\\m1']]);
  const doc = withScsiScratch(st, 'p', 'c2', { HostedSystem: { Container: { Storage: { Path: '\\\\?\\Volume{x}\\' } } } });
  assert.equal(doc.HostedSystem!.Container!.Storage!.Path, 'C:\\mounts\\scsi\\m1');
  await detachContainerScratch(st, 'p', 'c1');
  assert.equal(sent[2]!.RequestType, 'Remove');
  assert.deepEqual((sent[2]!.GuestRequest as { Settings: unknown }).Settings, { ContainerPath: 'C:\\mounts\\scsi\\m0', Lun: 1 });
  await attachContainerScratch(st, 'p', 'c3', '/scratch/c3');
  assert.deepEqual(pod.utilityVm!.scsi!.map((r) => [r.containerId, r.lun, r.guestPath]), [['c2', 2, 'C:\\mounts\\scsi\\m1'], ['c3', 1, 'C:\\mounts\\scsi\\m2']], 'a freed LUN is reused, a guest path is not');
});

test('a record left unattached by a crash is attached again (an attached LUN is no error); a failed attach leaves no record', async () => {
  const exists = setup(async () => { throw new PlatformError(HRESULT.ERROR_ALREADY_EXISTS, 'HcsModifyComputeSystem', 'in use'); });
  exists.pod.utilityVm!.scsi = [{ containerId: 'c1', lun: 1, guestPath: 'C:\\mounts\\scsi\\m0', vhdxPath: '/scratch/c1/sandbox.vhdx' }];
  exists.pod.utilityVm!.scsiNext = 1;
  await attachContainerScratch(exists.st, 'p', 'c1', '/scratch/c1');
  assert.equal(exists.sent.length, 1);
  assert.equal(exists.pod.utilityVm!.scsi![0]!.attached, true);

  const missing = setup(async () => { throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, 'HcsModifyComputeSystem', 'no disk'); });
  await assert.rejects(attachContainerScratch(missing.st, 'p', 'c1', '/scratch/c1'), /no disk/);
  assert.deepEqual(missing.pod.utilityVm!.scsi, []);
  assert.throws(() => withScsiScratch(missing.st, 'p', 'c1', { HostedSystem: { Container: {} } }), (e) => isRuntimeError(e, 'FailedPrecondition'));
});

test('detach from a VM that is gone forgets the record', async () => {
  const gone = setup(undefined, async () => { throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem', 'gone'); });
  gone.pod.utilityVm!.scsi = [{ containerId: 'c1', lun: 1, guestPath: 'C:\\mounts\\scsi\\m0', vhdxPath: '/scratch/c1/sandbox.vhdx', attached: true }];
  await detachContainerScratch(gone.st, 'p', 'c1');
  assert.deepEqual(gone.pod.utilityVm!.scsi, []);
});
