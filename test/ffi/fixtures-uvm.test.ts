/**
 * Reviewed fixtures of the utility-VM requests of a Hyper-V pod (NICs, VSMB shares and the hosted container that
 * names their guest paths, gMSA over HvSocket): schema-checked against the definitions written from hcsshim's
 * internal/hcs/schema2 (guest requests against its guestrequest types), equal to the builders' output
 * (regenerate after a reviewed change with WINCRI_UPDATE_FIXTURES=1 npm test -- ffi/fixtures-uvm), and accepted
 * by the emulator on a running utility VM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, array, type Schema } from '../../src/platform/schema.js';
import {
  ComputeSystem, ModificationRequest, ModifySettingRequest, GuestModificationRequest, NetworkModifyRequest,
  type ComputeSystemDoc, type ModificationRequestDoc, type ModifySettingRequestDoc,
} from '../../src/platform/hcs/schema/index.js';
import {
  buildContainerDocument, buildNicPreAddRequest, buildNicAddRequest, buildNicRemoveRequest,
  buildVsmbShareRequest, vsmbHostedStorage, hostedSystemDocument, buildHyperVCredentialGuardAddRequest, buildHvSocketServiceRequest,
  buildHvSocketServiceRemoveRequest, CREDENTIAL_GUARD_QUERY,
} from '../../src/platform/hcs/document/index.js';
import type { ContainerSpec } from '../../src/platform/spec.js';
import { CREDENTIAL_SPEC_TEXT } from '../helpers/credential-spec.js';
import { rejectsWith, readAll } from '../helpers/platform.js';
import { checkFixture, loadFixture } from '../helpers/fixtures.js';
import { emulatedUtilityVm } from '../helpers/emulator-vm.js';

const VM_ID = '9f3e2d1c0b4a5968@vm';
const CONTAINER_ID = '7b1c2a7be0d94c3f8a1b2c3d4e5f6a7b7b1c2a7be0d94c3f8a1b2c3d4e5f6a7b';
const NIC = { nicId: '1c9a4e2b-7d3f-4b8a-9e6d-2f5c8b1a0d7e', endpointId: '7e57d004-2b97-4e7a-b45f-5387367791cd', macAddress: '00-15-5D-52-C0-0F' };
const ENDPOINT = { ID: NIC.endpointId, HostComputeNetwork: '3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b', MacAddress: NIC.macAddress, IpConfigurations: [{ IpAddress: '10.244.1.17', PrefixLength: 24 }], SchemaVersion: { Major: 2, Minor: 0 } };
const LAYERS = [
  { id: '0c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f', path: 'C:\\ProgramData\\wincri\\layers\\sha256-app' },
  { id: '1d2e3f4a-5b6c-5d7e-8f90-a1b2c3d4e5f6', path: 'C:\\ProgramData\\wincri\\layers\\sha256-servercore' },
];
const SPEC: ContainerSpec = {
  ociVersion: '1.1.0', hostname: 'app-0', annotations: {},
  mounts: [
    { destination: 'C:\\config', source: 'C:\\var\\lib\\kubelet\\pods\\p1\\volumes\\config', options: ['ro'] },
    { destination: 'C:\\data', source: 'C:\\var\\lib\\kubelet\\pods\\p1\\volumes\\data', options: ['rw'] },
  ],
  process: { args: ['C:\\app\\app.exe'], env: [], cwd: 'C:\\app', terminal: false, user: { username: 'ContainerUser' } },
  windows: { layerFolders: LAYERS.map((l) => l.path), network: { networkNamespace: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }, hyperv: {} },
};
const HOSTED = buildContainerDocument(SPEC, {
  owner: 'wincri', storagePath: '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000003}\\', layers: LAYERS, hostProcessorCount: 8, hostingSystemId: VM_ID,
});
const VSMB = vsmbHostedStorage(HOSTED.HostedSystem!.Container!, 1);
/** The HvSocket service a credential guard instance for a Hyper-V container comes with. */
const HV_SERVICE = { ServiceId: 'a5b0cbf4-7b0a-4e4a-9d2f-6c1b7e3d9f10', ServiceConfig: { BindSecurityDescriptor: 'D:P(A;;FA;;;SY)', ConnectSecurityDescriptor: 'D:P(A;;FA;;;SY)' } };

interface Case { file: string; schema: Schema<unknown>; build: () => unknown; guest?: true }
const CASES: Case[] = [
  { file: 'utility-vm-nic-preadd.json', schema: ModifySettingRequest as Schema<unknown>, build: () => buildNicPreAddRequest(NIC, ENDPOINT), guest: true },
  { file: 'utility-vm-nic-add.json', schema: ModifySettingRequest as Schema<unknown>, build: () => buildNicAddRequest(NIC), guest: true },
  { file: 'utility-vm-nic-remove.json', schema: ModifySettingRequest as Schema<unknown>, build: () => buildNicRemoveRequest(NIC) },
  { file: 'utility-vm-vsmb-shares.json', schema: array(ModifySettingRequest) as Schema<unknown>, build: () => VSMB.shares.map((s) => buildVsmbShareRequest('Add', s)) },
  {
    file: 'container-hyperv-vsmb.json', schema: ComputeSystem as Schema<unknown>,
    build: () => hostedSystemDocument(VSMB.container, { owner: 'wincri', hostingSystemId: VM_ID, schemaVersion: HOSTED.SchemaVersion! }),
  },
  { file: 'credential-guard-add-hvsocket.json', schema: ModificationRequest as Schema<unknown>, build: () => buildHyperVCredentialGuardAddRequest(CONTAINER_ID, CREDENTIAL_SPEC_TEXT) },
  { file: 'utility-vm-hvsocket-service.json', schema: ModifySettingRequest as Schema<unknown>, build: () => buildHvSocketServiceRequest(HV_SERVICE) },
  { file: 'utility-vm-hvsocket-service-remove.json', schema: ModifySettingRequest as Schema<unknown>, build: () => buildHvSocketServiceRemoveRequest(HV_SERVICE.ServiceId) },
];

const load = loadFixture;

for (const c of CASES) {
  test(`fixture ${c.file}: schema-valid and equal to what wincri builds`, () => {
    const fixture = checkFixture(c.file, c.schema, c.build());
    if (c.guest) {
      const g = (fixture as ModifySettingRequestDoc).GuestRequest;
      const gr = validate(GuestModificationRequest, g);
      assert.ok(gr.ok, gr.ok ? '' : `${c.file} GuestRequest: ${gr.problem.path}: ${gr.problem.message}`);
      const nr = validate(NetworkModifyRequest, (g as { Settings: unknown }).Settings);
      assert.ok(nr.ok, nr.ok ? '' : `${c.file} GuestRequest.Settings: ${nr.problem.path}: ${nr.problem.message}`);
    }
  });
}

test('hosted storage over VSMB: read-only layers and mounts are shared read-only, the container names guest paths only', () => {
  const doc = load<ComputeSystemDoc>('container-hyperv-vsmb.json');
  const c = doc.HostedSystem!.Container!;
  for (const p of [...(c.Storage?.Layers ?? []).map((l) => l.Path!), ...(c.MappedDirectories ?? []).map((m) => m.HostPath!)]) {
    assert.match(p, /^\\\\\?\\VMSMB\\VSMB-\{dcc079ae-60ba-4d07-847c-3493609c0870\}\\s[0-9a-f]+$/);
  }
  const shares = load<ModifySettingRequestDoc[]>('utility-vm-vsmb-shares.json').map((r) => r.Settings as { Path: string; Options: Record<string, boolean> });
  assert.deepEqual(shares.map((s) => s.Path), [...LAYERS.map((l) => l.path), ...SPEC.mounts.map((m) => m.source)]);
  assert.deepEqual(shares[0]!.Options, { ReadOnly: true, ShareRead: true, CacheIo: true, PseudoOplocks: true, TakeBackupPrivilege: true });
  assert.deepEqual(shares[3]!.Options, {}, 'a read-write mount is not read-only');
});

test('utility-VM fixtures are accepted by the emulator on a running VM (NICs, VSMB shares, hosted VSMB container, gMSA over HvSocket)', async (t) => {
  const { dir, p, vm } = await emulatedUtilityVm(t, 'wincri-fixtures-uvm-', VM_ID);
  await vm.start();
  for (const f of ['utility-vm-nic-preadd.json', 'utility-vm-nic-add.json']) await vm.modify(load<ModifySettingRequestDoc>(f));
  // Host folders of this machine stand in for the Windows ones.
  for (const [i, r] of load<ModifySettingRequestDoc[]>('utility-vm-vsmb-shares.json').entries()) {
    const local = join(dir, `share${i}`);
    mkdirSync(local);
    writeFileSync(join(local, 'from-share.txt'), 'shared into the VM');
    await vm.modify({ ...r, Settings: { ...(r.Settings as object), Path: local } });
  }
  let props = await vm.getProperties({});
  assert.equal(props.State, 'Running');
  const hosted = load<ComputeSystemDoc>('container-hyperv-vsmb.json');
  delete hosted.HostedSystem!.Container!.Storage!.Path;
  // The mapped directories name VSMB guest paths; the emulator resolves them to the folders the VM shares.
  const h = await p.compute.createComputeSystem('hosted-vsmb', hosted);
  await h.start();
  const ls = await h.createProcess({ CommandLine: 'sh -c "cat config/from-share.txt"', CreateStdOutPipe: true });
  assert.equal(await readAll(ls.stdio.stdout), 'shared into the VM');
  ls.close();
  h.close();
  const unshared = load<ComputeSystemDoc>('container-hyperv-vsmb.json');
  delete unshared.HostedSystem!.Container!.Storage!.Path;
  unshared.HostedSystem!.Container!.MappedDirectories![0]!.HostPath = '\\\\?\\VMSMB\\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\\s99';
  await rejectsWith(p.compute.createComputeSystem('hosted-unshared', unshared), 'ERROR_PATH_NOT_FOUND');
  await p.compute.modifyServiceSettings(load<ModificationRequestDoc>('credential-guard-add-hvsocket.json'));
  const [info] = await p.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY) as [{ Instances: { Id: string; HvSocketConfig?: typeof HV_SERVICE }[] }];
  const hv = info.Instances.find((i) => i.Id === CONTAINER_ID)?.HvSocketConfig;
  assert.ok(hv?.ServiceId, 'an HvSocket instance comes with its HvSocket service');
  await vm.modify(buildHvSocketServiceRequest(hv));
  await vm.modify(load<ModifySettingRequestDoc>('utility-vm-hvsocket-service.json'));
  await vm.modify(load<ModifySettingRequestDoc>('utility-vm-hvsocket-service-remove.json'));
  await vm.modify(buildHvSocketServiceRemoveRequest(hv.ServiceId));
  await vm.modify(load<ModifySettingRequestDoc>('utility-vm-nic-remove.json'));
  props = await vm.getProperties({});
  assert.equal(props.State, 'Running');
  await vm.terminate();
});
