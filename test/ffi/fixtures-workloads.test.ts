/**
 * Reviewed fixtures of the workload documents (gMSA, devices and named pipes, resources): each is checked against
 * the schema definitions written from hcsshim's internal/hcs/schema2, compared with what the builders produce
 * today (regenerate after a reviewed change with WINCRI_UPDATE_FIXTURES=1 npm test -- ffi/fixtures-workloads),
 * and fed to the emulator, which must accept it as HCS would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { array, type Schema } from '../../src/platform/schema.js';
import { ComputeSystem, ModificationRequest, ModifySettingRequest, type ComputeSystemDoc, type ModificationRequestDoc, type ModifySettingRequestDoc } from '../../src/platform/hcs/schema/index.js';
import {
  buildContainerDocument, buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, buildResourceUpdateRequests,
  credentialGuardState, CREDENTIAL_GUARD_QUERY,
} from '../../src/platform/hcs/document/index.js';
import type { ContainerSpec } from '../../src/platform/spec.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../src/platform/emulator/service-stop.js';
import { CREDENTIAL_SPEC_TEXT } from '../helpers/credential-spec.js';
import { checkFixture, loadFixture } from '../helpers/fixtures.js';

const CONTAINER_ID = '9f1c2a7be0d94c3f8a1b2c3d4e5f6a7b9f1c2a7be0d94c3f8a1b2c3d4e5f6a7b';
const LAYERS = [{ id: '0c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f', path: 'C:\\ProgramData\\wincri\\layers\\sha256-servercore' }];
const OPTS = { owner: 'wincri', storagePath: '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000002}\\', layers: LAYERS, hostProcessorCount: 8 };
const GUARD = { Cookie: '6f0c2d5e8a9b4c1d3e7f60a1b2c3d4e5', RpcEndpoint: 'ccg-0b7e6a52-3f1d-4c8e-9a2b-5d6e7f8a9b0c', Transport: 'LRPC', CredentialSpec: CREDENTIAL_SPEC_TEXT };

function spec(windows: Partial<ContainerSpec['windows']>, mounts: ContainerSpec['mounts'] = [], user = 'ContainerUser'): ContainerSpec {
  return {
    ociVersion: '1.1.0', hostname: 'app-0', mounts, annotations: {},
    process: { args: ['C:\\app\\app.exe'], env: [], cwd: 'C:\\app', terminal: false, user: { username: user } },
    windows: { layerFolders: LAYERS.map((l) => l.path), network: { networkNamespace: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }, ...windows },
  };
}

/** A domain-joined .NET app: gMSA credential guard state, running as the gMSA-mapped NETWORK SERVICE-style domain user. */
const GMSA = spec({ credentialSpec: CREDENTIAL_SPEC_TEXT }, [], 'CONTOSO\\webapp01');
/** Devices by interface class GUID and by instance path; two named pipes; a read-only directory and a single file. */
const DEVICES_PIPES = spec({
  devices: [{ idType: 'class', id: '5B45201D-F2F2-4F3B-85BB-30FF1F953599' }, { idType: 'vpci-location-path', id: 'PCIROOT(0)#PCI(0100)#PCI(0000)' }],
}, [
  { destination: '\\\\.\\pipe\\docker_engine', source: '\\\\.\\pipe\\docker_engine', options: [] },
  { destination: '\\\\.\\pipe\\csi-proxy-filesystem-v1', source: '\\\\.\\pipe\\csi-proxy-filesystem-v1', options: [] },
  { destination: 'C:\\config', source: 'C:\\var\\lib\\kubelet\\pods\\p1\\volumes\\config', options: ['ro'] },
  { destination: 'C:\\dev\\termination-log', source: 'C:\\var\\lib\\kubelet\\pods\\p1\\containers\\app\\0a1b', options: ['rw'] },
]);
/** Every resource field kubelet or an operator can set: count wins over maximum and shares; memory in MiB; QoS. */
const RESOURCES = spec({ resources: { memory: { limit: 1536 * 1024 * 1024 + 123 }, cpu: { count: 2, maximum: 2500, shares: 50 }, storage: { iops: 500, bps: 10_000_000, sandboxSize: 40 * 1024 ** 3 } } });

interface Case { file: string; schema: Schema<unknown>; build: () => unknown }
const CASES: Case[] = [
  { file: 'container-gmsa.json', schema: ComputeSystem as Schema<unknown>, build: () => buildContainerDocument(GMSA, { ...OPTS, credentialGuard: GUARD }) },
  { file: 'credential-guard-add.json', schema: ModificationRequest as Schema<unknown>, build: () => buildCredentialGuardAddRequest(CONTAINER_ID, CREDENTIAL_SPEC_TEXT) },
  { file: 'credential-guard-remove.json', schema: ModificationRequest as Schema<unknown>, build: () => buildCredentialGuardRemoveRequest(CONTAINER_ID) },
  { file: 'container-devices-pipes.json', schema: ComputeSystem as Schema<unknown>, build: () => buildContainerDocument(DEVICES_PIPES, OPTS) },
  { file: 'container-resources.json', schema: ComputeSystem as Schema<unknown>, build: () => buildContainerDocument(RESOURCES, OPTS) },
  {
    file: 'resource-update.json', schema: array(ModifySettingRequest) as Schema<unknown>,
    build: () => buildResourceUpdateRequests({ memory: { limit: 999 * 1024 * 1024 }, cpu: { maximum: 5000 } }, { hostProcessorCount: 8 }),
  },
];

const load = loadFixture;

for (const c of CASES) {
  test(`fixture ${c.file}: schema-valid and equal to what wincri builds`, () => {
    checkFixture(c.file, c.schema, c.build());
  });
}

test('workload fixtures are accepted by the emulator (credential guard requests, gMSA / device / pipe / resource documents, live updates)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-fixtures-'));
  const stateDir = join(dir, 'state');
  const p = await createEmulatorPlatform({ stateDir });
  t.after(async () => { await p.close(); await stopEmulatorService(stateDir, { removingStateDir: true }); rmSync(dir, { recursive: true, force: true }); });
  // Host paths of this machine stand in for the Windows ones; the volume of Storage.Path is not ours to resolve.
  const local = (doc: ComputeSystemDoc): ComputeSystemDoc => {
    const c = structuredClone(doc);
    delete c.Container!.Storage;
    for (const [i, md] of (c.Container!.MappedDirectories ?? []).entries()) {
      md.HostPath = join(dir, `host${i}`);
      if (md.ContainerPath!.endsWith('termination-log')) writeFileSync(md.HostPath, ''); else mkdirSync(md.HostPath);
    }
    return c;
  };
  await p.compute.modifyServiceSettings(load<ModificationRequestDoc>('credential-guard-add.json'));
  const state = credentialGuardState(await p.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY), CONTAINER_ID)!;
  const gmsa = local(load<ComputeSystemDoc>('container-gmsa.json'));
  assert.equal(gmsa.Container!.ContainerCredentialGuard!.CredentialSpec, state.CredentialSpec);
  gmsa.Container!.ContainerCredentialGuard = { ...gmsa.Container!.ContainerCredentialGuard, Cookie: state.Cookie, RpcEndpoint: state.RpcEndpoint };
  (await p.compute.createComputeSystem('gmsa', gmsa)).close();
  (await p.compute.createComputeSystem('devices', local(load<ComputeSystemDoc>('container-devices-pipes.json')))).close();
  const res = await p.compute.createComputeSystem('resources', local(load<ComputeSystemDoc>('container-resources.json')));
  for (const r of load<ModifySettingRequestDoc[]>('resource-update.json')) await res.modify(r);
  res.close();
  await p.compute.modifyServiceSettings(load<ModificationRequestDoc>('credential-guard-remove.json'));
  assert.equal(credentialGuardState(await p.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY), CONTAINER_ID), undefined);
});
