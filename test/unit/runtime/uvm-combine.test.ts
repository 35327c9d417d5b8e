/**
 * The guest's CombinedLayers of a hosted container (runtime/hyperv/uvm-combine.ts) against a recording stand-in for
 * the VM handle and the pod store: 'pending' is saved before the request and 'done' after; a combination left
 * pending by a crash is sent again (an existing one being no error) and one never made is undone without error; a
 * refused request leaves nothing recorded; nothing is combined on a scratch that is not attached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineContainerLayers, uncombineContainerLayers } from '../../../src/runtime/hyperv/uvm-combine.js';
import type { RuntimeState } from '../../../src/runtime/state.js';
import type { SandboxRecord, ScsiScratchRecord } from '../../../src/runtime/model.js';
import type { ComputeSystem } from '../../../src/platform/types.js';
import type { ComputeSystemDoc, ModifySettingRequestDoc } from '../../../src/platform/hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { isRuntimeError } from '../../../src/errors.js';

const LAYER = { Id: '0c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f', Path: '\\\\?\\VMSMB\\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\\s1' };
const HOSTED: ComputeSystemDoc = { HostedSystem: { Container: { Storage: { Layers: [LAYER], Path: 'C:\\mounts\\scsi\\m0' } } } };

function setup(fail?: number) {
  const rec: ScsiScratchRecord = { containerId: 'c1', lun: 1, guestPath: 'C:\\mounts\\scsi\\m0', vhdxPath: '/s/c1/sandbox.vhdx', attached: true };
  const pod = { id: 'p', utilityVm: { id: 'p@vm', memoryMiB: 1024, processorCount: 1, created: true, scsi: [rec] } } as SandboxRecord;
  const sent: ModifySettingRequestDoc[] = [];
  const saved: (string | undefined)[] = [];
  const vm = {
    modify: async (r: ModifySettingRequestDoc) => { sent.push(r); if (fail !== undefined) throw new PlatformError(fail, 'HcsModifyComputeSystem', 'refused'); },
    close: () => undefined,
  } as unknown as ComputeSystem;
  const st = {
    opts: { platform: { compute: { openComputeSystem: async () => vm } } },
    sandboxes: { get: (id: string) => (id === 'p' ? pod : undefined), save: async () => { saved.push(rec.combine); } },
    locks: { run: async <T>(_k: string, f: () => Promise<T>) => f() },
  } as unknown as RuntimeState;
  return { st, rec, sent, saved };
}

const guest = (r: ModifySettingRequestDoc | undefined) => r?.GuestRequest as { ResourceType: string; RequestType: string; Settings: unknown };

test('combine saves pending before the request and done after; done is not sent again; uncombine sends Remove and forgets it', async () => {
  const { st, rec, sent, saved } = setup();
  await combineContainerLayers(st, 'p', 'c1', HOSTED);
  assert.deepEqual(saved, ['pending', 'done']);
  assert.deepEqual(guest(sent[0]), { ResourceType: 'CombinedLayers', RequestType: 'Add', Settings: { ContainerRootPath: 'C:\\mounts\\scsi\\m0', Layers: [LAYER] } });
  await combineContainerLayers(st, 'p', 'c1', HOSTED);
  assert.equal(sent.length, 1);
  await uncombineContainerLayers(st, 'p', 'c1');
  assert.deepEqual(guest(sent[1]), { ResourceType: 'CombinedLayers', RequestType: 'Remove', Settings: { ContainerRootPath: 'C:\\mounts\\scsi\\m0' } });
  assert.equal(rec.combine, undefined);
  await uncombineContainerLayers(st, 'p', 'c1');
  assert.equal(sent.length, 2, 'nothing to undo any more');
});

test('a pending combination is sent again (existing is no error) and undone when the guest has none (not found is no error)', async () => {
  const exists = setup(HRESULT.ERROR_ALREADY_EXISTS);
  exists.rec.combine = 'pending';
  await combineContainerLayers(exists.st, 'p', 'c1', HOSTED);
  assert.equal(exists.rec.combine, 'done');
  const missing = setup(HRESULT.ERROR_NOT_FOUND);
  missing.rec.combine = 'pending';
  await uncombineContainerLayers(missing.st, 'p', 'c1');
  assert.equal(missing.rec.combine, undefined);
});

test('a refused combination leaves nothing recorded; a scratch not attached is FailedPrecondition', async () => {
  const refused = setup(HRESULT.E_ACCESSDENIED);
  await assert.rejects(combineContainerLayers(refused.st, 'p', 'c1', HOSTED), /refused/);
  assert.equal(refused.rec.combine, undefined);
  const detached = setup();
  detached.rec.attached = false;
  await assert.rejects(combineContainerLayers(detached.st, 'p', 'c1', HOSTED), (e) => isRuntimeError(e, 'FailedPrecondition'));
  assert.equal(detached.sent.length, 0);
});

test('a combination that timed out stays pending (the guest may have applied it): the undo sends Remove', async () => {
  const timedOut = setup(HRESULT.HCS_E_OPERATION_TIMEOUT);
  await assert.rejects(combineContainerLayers(timedOut.st, 'p', 'c1', HOSTED), /refused/);
  assert.equal(timedOut.rec.combine, 'pending');
  await uncombineContainerLayers(timedOut.st, 'p', 'c1').catch(() => undefined);
  assert.deepEqual(timedOut.sent.map((r) => guest(r)?.RequestType), ['Add', 'Remove']);
});
