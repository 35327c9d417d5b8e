/**
 * The pod's endpoints as NICs of its utility VM (runtime/hyperv/uvm-nics.ts), against a recording stand-in for
 * the HNS namespace/endpoint queries and the VM handle: each endpoint of the pod's namespace is pre-added then
 * added, in that order, with the fixture-checked request shapes; removal sends the removes and survives a VM that
 * is already gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addPodNics, removePodNics } from '../../../src/runtime/hyperv/uvm-nics.js';
import type { RuntimeState } from '../../../src/runtime/state.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';
import type { ComputeSystem } from '../../../src/platform/types.js';
import type { ModifySettingRequestDoc } from '../../../src/platform/hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';

const EP = { ID: 'e1a2b3c4-0000-4000-8000-000000000001', MacAddress: '00-15-5D-00-00-01', HostComputeNetwork: 'n1' };

function recordingVm(sent: ModifySettingRequestDoc[]): ComputeSystem {
  return { id: 'p@vm', modify: async (r: ModifySettingRequestDoc) => { sent.push(r); }, close: () => undefined } as unknown as ComputeSystem;
}

function state(open: () => Promise<ComputeSystem>): RuntimeState {
  return {
    opts: {
      platform: {
        network: {
          queryNamespace: async (id: string) => ({ ID: id, Resources: [{ Type: 'Container', Data: { Id: 'x' } }, { Type: 'Endpoint', Data: { ID: EP.ID } }] }),
          queryEndpoint: async (id: string) => { assert.equal(id, EP.ID); return EP; },
        },
        compute: { openComputeSystem: open },
      },
    },
  } as unknown as RuntimeState;
}

test('each endpoint of the pod namespace is pre-added in the guest, then added as a network adapter; removal reverses it', async () => {
  const sent: ModifySettingRequestDoc[] = [];
  const vm = recordingVm(sent);
  const st = state(async () => vm);
  const nics = await addPodNics(st, { id: 'p', namespaceId: 'ns1' } as SandboxRecord, vm);
  assert.deepEqual(nics, [{ nicId: EP.ID, endpointId: EP.ID, macAddress: EP.MacAddress }]);
  assert.equal(sent.length, 2);
  assert.equal(sent[0]!.ResourcePath, undefined, 'PreAdd is guest-only');
  assert.deepEqual(sent[0]!.GuestRequest, { ResourceType: 'Network', RequestType: 'Add', Settings: { AdapterId: EP.ID, RequestType: 'PreAdd', Settings: EP } });
  assert.equal(sent[1]!.ResourcePath, `VirtualMachine/Devices/NetworkAdapters/${EP.ID}`);
  assert.deepEqual(sent[1]!.Settings, { EndpointId: EP.ID, MacAddress: EP.MacAddress });

  await removePodNics(st, 'p@vm', nics);
  assert.equal(sent[2]!.RequestType, 'Remove');
  assert.equal(sent[2]!.ResourcePath, `VirtualMachine/Devices/NetworkAdapters/${EP.ID}`);
});

test('a pod without a namespace gets no NIC; removing from a VM that is gone is not an error', async () => {
  const sent: ModifySettingRequestDoc[] = [];
  const gone = state(async () => { throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem', 'gone'); });
  assert.deepEqual(await addPodNics(gone, { id: 'p' } as SandboxRecord, recordingVm(sent)), []);
  await removePodNics(gone, 'p@vm', [{ nicId: EP.ID, endpointId: EP.ID, macAddress: EP.MacAddress }]);
  assert.equal(sent.length, 0);
});
