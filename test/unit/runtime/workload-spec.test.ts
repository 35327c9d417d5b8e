/** Users, devices and resources of the workload spec (CRI config → ContainerSpec): what kubelet sends, what HCS gets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContainerSpec, specResources } from '../../../src/runtime/spec.js';
import { specDevices } from '../../../src/runtime/devices.js';
import { buildContainerDocument, buildProcessParameters } from '../../../src/platform/hcs/document/index.js';
import type { ContainerConfig, SandboxRecord, WindowsResources } from '../../../src/runtime/model.js';
import type { ImageInfo } from '../../../src/runtime/ports.js';
import { isRuntimeError } from '../../../src/errors.js';

const image = { id: 'sha256:i', entrypoint: [], cmd: ['cmd.exe'], env: [], workingDir: '', user: 'ImageUser', layerPaths: ['C:\\l\\base'] } as unknown as ImageInfo;
function pod(runAsUsername = ''): SandboxRecord {
  return {
    id: 'p'.repeat(64), runtimeHandler: '', createdAt: '0', state: 'SANDBOX_READY', additionalIps: [],
    config: { metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 0 }, hostname: 'h', logDirectory: '/l', portMappings: [], labels: {}, annotations: {}, hostProcess: false, runAsUsername, credentialSpec: '' },
  };
}
function cfg(windows: Partial<ContainerConfig['windows']> = {}, devices: ContainerConfig['devices'] = []): ContainerConfig {
  return {
    metadata: { name: 'c', attempt: 0 }, image: { image: 'i', userSpecifiedImage: '', annotations: {}, runtimeHandler: '' },
    command: [], args: [], workingDir: '', envs: [], mounts: [], devices, labels: {}, annotations: {}, logPath: '',
    stdin: false, stdinOnce: false, tty: false, windows: { runAsUsername: '', credentialSpec: '', hostProcess: false, ...windows },
  };
}
const res = (r: Partial<WindowsResources>): WindowsResources => ({ cpuShares: 0, cpuCount: 0, cpuMaximum: 0, memoryLimitInBytes: 0, rootfsSizeInBytes: 0, affinityCpus: [], ...r });
const docOpts = { owner: 'wincri', storagePath: '\\\\?\\Volume{4c5d8e3a-1b2c-4d5e-8f90-123456789abc}\\', layers: [], hostProcessorCount: 4 };

test('run_as_username: container over pod over image; the name reaches ProcessParameters.User unchanged', () => {
  const user = (c: ContainerConfig, p: SandboxRecord) => buildProcessParameters(buildContainerSpec('x', c, image, p, []).process, { stdin: false, stdout: true, stderr: true }).User;
  assert.equal(user(cfg(), pod()), 'ImageUser');
  assert.equal(user(cfg(), pod('ContainerUser')), 'ContainerUser');
  for (const name of ['ContainerAdministrator', 'CONTOSO\\webapp01', 'localuser']) assert.equal(user(cfg({ runAsUsername: name }), pod('ContainerUser')), name);
});

test('devices: class/GUID, class://GUID and instance paths become AssignedDevices; other forms are InvalidArgument', () => {
  const g = '5B45201D-F2F2-4F3B-85BB-30FF1F953599';
  const devices = specDevices([
    { containerPath: '', hostPath: `class/${g}`, permissions: '' },
    { containerPath: '', hostPath: `vpci-class-guid://{${g}}`, permissions: '' },
    { containerPath: '', hostPath: 'vpci-location-path://PCIROOT(0)#PCI(0100)', permissions: '' },
  ]);
  assert.deepEqual(devices, [{ idType: 'class', id: g }, { idType: 'vpci-class-guid', id: `{${g}}` }, { idType: 'vpci-location-path', id: 'PCIROOT(0)#PCI(0100)' }]);
  const spec = buildContainerSpec('x', cfg({}, [{ containerPath: '', hostPath: `class://${g}`, permissions: '' }]), image, pod(), []);
  assert.deepEqual(buildContainerDocument(spec, docOpts).Container!.AssignedDevices, [{ Type: 'ClassGuid', InterfaceClassGuid: g }]);
  assert.equal(specDevices([]), undefined);
  for (const [hostPath, msg] of [['/dev/nvidia0', /IDType:\/\/ID/], ['class/not-a-guid', /interface class GUID/], ['gpu://0', /not supported/]] as const) {
    assert.throws(() => specDevices([{ containerPath: '', hostPath, permissions: '' }]),
      (e: unknown) => isRuntimeError(e, 'InvalidArgument') && /devices\[0\]\.host_path/.test((e as Error).message) && msg.test((e as Error).message));
  }
});

test('resources: CPU controls go to exactly one HCS field (count > maximum > shares), memory in MiB, rootfs size → scratch size', () => {
  const proc = (r: Partial<WindowsResources>) => buildContainerDocument({ ...buildContainerSpec('x', cfg({ resources: res(r) }), image, pod(), []) }, docOpts).Container!.Processor;
  assert.deepEqual(proc({ cpuCount: 2, cpuMaximum: 5000, cpuShares: 10 }), { Count: 2 });
  assert.deepEqual(proc({ cpuMaximum: 5000, cpuShares: 10 }), { Maximum: 5000 });
  assert.deepEqual(proc({ cpuShares: 10 }), { Weight: 10 });
  assert.deepEqual(proc({ cpuCount: 64 }), { Count: 4 }, 'clamped to the host');
  assert.equal(proc({}), undefined);
  const s = specResources(res({ memoryLimitInBytes: 300 * 1024 * 1024 + 5, rootfsSizeInBytes: 40 * 1024 ** 3 }))!;
  assert.deepEqual(s.storage, { sandboxSize: 40 * 1024 ** 3 });
  const doc = buildContainerDocument(buildContainerSpec('x', cfg({ resources: res({ memoryLimitInBytes: 300 * 1024 * 1024 + 5 }) }), image, pod(), []), docOpts);
  assert.deepEqual(doc.Container!.Memory, { SizeInMB: 300 });
});
