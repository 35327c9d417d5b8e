/**
 * Reviewed fixtures: the HCS / HCN documents wincri sends for a representative set of configurations, kept as
 * JSON under test/ffi/fixtures/ and checked (1) against the schema definitions written from hcsshim's
 * internal/hcs/schema2 and hcn field names and (2) against what the builders produce today, so any change to a
 * document shows up as a fixture diff to review. Regenerate after a reviewed change with
 * WINCRI_UPDATE_FIXTURES=1 npm test -- ffi/fixtures.
 *
 * Container documents go through the same builder as the runtime (ContainerSpec → buildContainerDocument); the
 * endpoint / network documents have no builder yet (the CNI plugin will own them), so their fixtures are
 * hand-written from reference/hns-cni.md §2–§4 and only schema-checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, type Schema } from '../../src/platform/schema.js';
import { ComputeSystem, ProcessParameters } from '../../src/platform/hcs/schema/index.js';
import { HostComputeEndpoint, HostComputeNetwork, HostComputeNamespace, ModifyNamespaceSettingRequest } from '../../src/platform/hcn/schema/index.js';
import { buildContainerDocument, buildProcessParameters, buildUtilityVmDocument } from '../../src/platform/hcs/document/index.js';
import { buildNamespace, buildNamespaceEndpointRequest } from '../../src/platform/hcn/document/index.js';
import type { ContainerSpec } from '../../src/platform/spec.js';
import { JobContainer } from '../../src/platform/jobs/schema.js';
import { buildJobContainerDocument } from '../../src/platform/jobs/document/index.js';
import { checkFixture, fixturesDir } from '../helpers/fixtures.js';

const LAYERS = [
  { id: '6b3f1c2e-7d4a-5e8f-9a0b-1c2d3e4f5a6b', path: 'C:\\ProgramData\\wincri\\layers\\sha256-app' },
  { id: '0c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f', path: 'C:\\ProgramData\\wincri\\layers\\sha256-nanoserver' },
];

/** A process-isolated container: mounts (ro/rw directory, single file), named pipes, resources, hostname, DNS. */
const SPEC: ContainerSpec = {
  ociVersion: '1.1.0',
  hostname: 'web-0',
  process: {
    args: ['C:\\app\\server.exe', '--listen', ':8080', 'a b'], env: ['PATH=C:\\Windows\\system32;C:\\app', 'GREETING=Grüße'],
    cwd: 'C:\\app', terminal: false, user: { username: 'ContainerUser' },
  },
  mounts: [
    { destination: 'C:\\data', source: 'C:\\var\\lib\\kubelet\\pods\\p1\\volumes\\data', options: ['rbind', 'rw'] },
    { destination: 'C:\\config', source: 'C:\\var\\lib\\kubelet\\pods\\p1\\volumes\\config', options: ['rbind', 'ro'] },
    { destination: '\\\\.\\pipe\\docker_engine', source: '\\\\.\\pipe\\docker_engine', options: [] },
  ],
  annotations: { 'io.kubernetes.cri.container-type': 'container' },
  windows: {
    layerFolders: [...LAYERS.map((l) => l.path), 'C:\\ProgramData\\wincri\\containers\\c1\\scratch'],
    resources: { memory: { limit: 512 * 1024 * 1024 }, cpu: { maximum: 5000 } },
    network: { networkNamespace: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', allowUnqualifiedDNSQuery: true, dnsSearchList: ['default.svc.cluster.local', 'svc.cluster.local'] },
  },
} as unknown as ContainerSpec;

const NAT_NETWORK = {
  Name: 'nat', Type: 'NAT', SchemaVersion: { Major: 2, Minor: 0 },
  Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '172.20.0.0/16', Routes: [{ NextHop: '172.20.0.1', DestinationPrefix: '0.0.0.0/0' }] }] }],
};
const NAT_ENDPOINT = {
  Name: 'c1_eth0', SchemaVersion: { Major: 2, Minor: 0 }, HostComputeNetwork: '9d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6',
  IpConfigurations: [{ IpAddress: '172.20.0.17', PrefixLength: 16 }],
  Routes: [{ NextHop: '172.20.0.1', DestinationPrefix: '0.0.0.0/0' }],
  Dns: { Domain: 'default.svc.cluster.local', Search: ['default.svc.cluster.local', 'svc.cluster.local'], ServerList: ['10.96.0.10'] },
  Policies: [{ Type: 'PortMapping', Settings: { InternalPort: 80, ExternalPort: 8080, Protocol: 6 } }],
};
const OVERLAY_NETWORK = {
  Name: 'vxlan0', Type: 'Overlay', SchemaVersion: { Major: 2, Minor: 0 },
  Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: '10.244.1.0/24', Routes: [{ NextHop: '10.244.1.1', DestinationPrefix: '0.0.0.0/0' }],
    Policies: [{ Type: 'VSID', Settings: { IsolationId: 4096 } }] }] }],
  Policies: [{ Type: 'ProviderAddress', Settings: { ProviderAddress: '192.168.1.10' } }, { Type: 'VxlanPort', Settings: { Port: 4789 } }],
  Flags: 0,
};
const OVERLAY_ENDPOINT = {
  Name: 'c2_eth0', SchemaVersion: { Major: 2, Minor: 0 }, HostComputeNetwork: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  IpConfigurations: [{ IpAddress: '10.244.1.23', PrefixLength: 24 }],
  Dns: { Search: ['default.svc.cluster.local'], ServerList: ['10.96.0.10'] },
  Policies: [
    { Type: 'OutBoundNAT', Settings: { Exceptions: ['10.244.0.0/16', '10.96.0.0/12'] } },
    { Type: 'SDNRoute', Settings: { DestinationPrefix: '10.96.0.0/12', NeedEncap: true } },
    { Type: 'ProviderAddress', Settings: { ProviderAddress: '192.168.1.10' } },
    { Type: 'EncapOverhead', Settings: { Overhead: 50 } },
  ],
};

/** A HostProcess agent as a CNI daemonset runs it: a local group user, the service-account token, limits. */
const HOST_PROCESS_SPEC: ContainerSpec = {
  ociVersion: '1.1.0',
  process: {
    args: ['%CONTAINER_SANDBOX_MOUNT_POINT%\\calico-node.exe', '-startup'], env: ['KUBE_NETWORK=Calico.*'],
    cwd: 'C:\\hpc', terminal: false, user: { username: 'Administrators' },
  },
  mounts: [
    { destination: 'c:\\var\\run\\secrets\\kubernetes.io\\serviceaccount', source: 'c:\\var\\lib\\kubelet\\pods\\p2\\volumes\\token', options: ['ro'] },
    { destination: 'C:\\CalicoWindows\\logs', source: 'C:\\CalicoWindows\\logs', options: ['rw'] },
  ],
  annotations: { 'microsoft.com/hostprocess-container': 'true' },
  windows: { layerFolders: LAYERS.map((l) => l.path), hostProcess: true, resources: { cpu: { count: 2 }, memory: { limit: 256 * 1024 * 1024 } } },
};

interface Case { file: string; schema: Schema<unknown>; build?: () => unknown; literal?: unknown }
const CASES: Case[] = [
  {
    file: 'container-process-isolated.json', schema: ComputeSystem as Schema<unknown>,
    build: () => buildContainerDocument(SPEC, {
      owner: 'wincri', storagePath: '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000000}\\', layers: LAYERS, hostProcessorCount: 8,
    }),
  },
  {
    file: 'job-hostprocess.json', schema: JobContainer as Schema<unknown>,
    build: () => buildJobContainerDocument(HOST_PROCESS_SPEC, {
      owner: 'wincri', id: '4f1c2a7be0d94c3f8a1b2c3d4e5f6a7b', rootVolume: '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000001}\\',
      layers: LAYERS, fileBinding: true, hostProcessorCount: 8,
    }),
  },
  {
    // A Hyper-V pod's utility VM (reference/hcs.md §3.4): booted from the base layer's UtilityVM folder.
    file: 'utility-vm.json', schema: ComputeSystem as Schema<unknown>,
    build: () => buildUtilityVmDocument({
      owner: 'wincri', utilityVmPath: `${LAYERS[1]!.path}\\UtilityVM`, scratchVhdPath: 'C:\\ProgramData\\wincri\\containers\\9f3e2d1c0b4a5968@vm\\sandbox.vhdx',
      memoryMiB: 1536 + 256, processorCount: 2, hostProcessorCount: 8,
    }),
  },
  {
    // The same container as container-process-isolated.json, hosted in that VM.
    file: 'container-hyperv-hosted.json', schema: ComputeSystem as Schema<unknown>,
    build: () => buildContainerDocument({ ...SPEC, windows: { ...SPEC.windows, hyperv: {} } }, {
      owner: 'wincri', storagePath: '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000000}\\', layers: LAYERS, hostProcessorCount: 8,
      hostingSystemId: '9f3e2d1c0b4a5968@vm',
    }),
  },
  { file: 'process-parameters.json', schema: ProcessParameters as Schema<unknown>, build: () => buildProcessParameters(SPEC.process, { stdin: true, stdout: true, stderr: true }) },
  { file: 'pod-namespace.json', schema: HostComputeNamespace as Schema<unknown>, build: () => buildNamespace() },
  { file: 'namespace-add-endpoint.json', schema: ModifyNamespaceSettingRequest as Schema<unknown>, build: () => buildNamespaceEndpointRequest('7e57d004-2b97-4e7a-b45f-5387367791cd', 'Add') },
  { file: 'network-nat.json', schema: HostComputeNetwork as Schema<unknown>, literal: NAT_NETWORK },
  { file: 'endpoint-nat.json', schema: HostComputeEndpoint as Schema<unknown>, literal: NAT_ENDPOINT },
  { file: 'network-overlay.json', schema: HostComputeNetwork as Schema<unknown>, literal: OVERLAY_NETWORK },
  { file: 'endpoint-overlay.json', schema: HostComputeEndpoint as Schema<unknown>, literal: OVERLAY_ENDPOINT },
];

for (const c of CASES) {
  test(`fixture ${c.file}: schema-valid and equal to what wincri builds`, () => {
    checkFixture(c.file, c.schema, c.build ? c.build() : c.literal);
  });
}

test('fixture schemas reject a misspelt field (the checks are not vacuous)', () => {
  const doc = JSON.parse(readFileSync(join(fixturesDir(), 'endpoint-nat.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(validate(HostComputeEndpoint as Schema<unknown>, { ...doc, IPConfigurations: doc.IpConfigurations }).ok, false);
  const sys = JSON.parse(readFileSync(join(fixturesDir(), 'container-process-isolated.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(validate(ComputeSystem as Schema<unknown>, { ...sys, Containr: {} }).ok, false);
  const vm = JSON.parse(readFileSync(join(fixturesDir(), 'utility-vm.json'), 'utf8')) as { VirtualMachine: { ComputeTopology: Record<string, unknown> } };
  const topo = vm.VirtualMachine.ComputeTopology;
  assert.equal(validate(ComputeSystem as Schema<unknown>, { ...vm, VirtualMachine: { ...vm.VirtualMachine, ComputeTopology: { ...topo, Memory: { SizeInMb: 1 } } } }).ok, false);
});
