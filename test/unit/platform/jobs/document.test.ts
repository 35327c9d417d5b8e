import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate } from '../../../../src/platform/schema.js';
import { JobContainer } from '../../../../src/platform/jobs/schema.js';
import {
  buildJobContainerDocument, jobUser, jobLimits, jobProcessParameters, expandMountPoint, type JobDocumentOptions,
} from '../../../../src/platform/jobs/document/index.js';
import { DocumentError } from '../../../../src/platform/hcs/document/index.js';
import type { ContainerSpec } from '../../../../src/platform/spec.js';

const spec = (over: Partial<ContainerSpec> = {}, windows: Partial<ContainerSpec['windows']> = {}): ContainerSpec => ({
  ociVersion: '1.2.0',
  process: { args: ['agent.exe'], env: [], cwd: 'C:\\hpc', terminal: false, user: { username: 'NT AUTHORITY\\SYSTEM' } },
  mounts: [], annotations: {},
  ...over,
  windows: { layerFolders: [], hostProcess: true, ...windows },
});
const opts: JobDocumentOptions = {
  owner: 'wincri', id: '0123456789abcdef0123456789abcdef', rootVolume: '\\\\?\\Volume{6b3f1c2e-7d4a-5e8f-9a0b-1c2d3e4f5a6b}\\',
  layers: [{ id: 'l1', path: 'C:\\layers\\l1' }], fileBinding: true, hostProcessorCount: 8,
};

test('job document: bind filter → C:\\hpc\\ and mounts bound in place; fallback → C:\\hpc\\<id>\\', () => {
  const s = spec({ mounts: [{ destination: 'c:/var/run/secrets', source: 'C:\\kubelet\\pods\\p\\token', options: ['ro'] }] });
  const d = buildJobContainerDocument(s, opts);
  assert.equal(validate(JobContainer, d).ok, true);
  assert.equal(d.JobName, `JobContainer_${opts.id}`);
  assert.equal(d.MountPoint, 'C:\\hpc\\');
  assert.deepEqual(d.Environment, { CONTAINER_SANDBOX_MOUNT_POINT: 'C:\\hpc\\' });
  assert.deepEqual(d.Mounts, [{ HostPath: 'C:\\kubelet\\pods\\p\\token', ContainerPath: 'c:/var/run/secrets', MountPointPath: 'C:\\hpc\\var\\run\\secrets', BoundPath: 'C:\\var\\run\\secrets', ReadOnly: true }]);
  const f = buildJobContainerDocument(s, { ...opts, fileBinding: false });
  assert.equal(f.MountPoint, `C:\\hpc\\${opts.id}\\`);
  assert.equal(f.Mounts![0]!.MountPointPath, `C:\\hpc\\${opts.id}\\var\\run\\secrets`);
  assert.equal(f.Mounts![0]!.BoundPath, undefined);
  const moved = buildJobContainerDocument(spec({ annotations: { 'microsoft.com/hostprocess-rootfs-location': 'D:\\agents' } }), opts);
  assert.equal(moved.MountPoint, 'D:\\agents\\');
  assert.throws(() => buildJobContainerDocument(spec({ annotations: { 'microsoft.com/hostprocess-rootfs-location': 'agents' } }), opts), /absolute path/);
});

test('job document: refusals are DocumentErrors (InvalidArgument) saying why', () => {
  const pipe = spec({ mounts: [{ destination: '\\\\.\\pipe\\docker_engine', source: '\\\\.\\pipe\\docker_engine', options: [] }] });
  assert.throws(() => buildJobContainerDocument(pipe, opts), (e: Error) => e instanceof DocumentError && /named pipe mounts are not supported/.test(e.message));
  assert.throws(() => buildJobContainerDocument(spec({}, { hostProcess: false }), opts), /only HostProcess/);
  assert.throws(() => buildJobContainerDocument(spec({}, { hyperv: {} }), opts), /Hyper-V/);
  assert.throws(() => buildJobContainerDocument(spec({}, { credentialSpec: '{}' }), opts), /gMSA/);
  assert.throws(() => buildJobContainerDocument(spec(), { ...opts, rootVolume: '' }), /volume/);
});

test('job user: service accounts, local groups with a temporary user, other users', () => {
  assert.deepEqual(jobUser('NT AUTHORITY\\Local service', 'c1'), { Name: 'NT AUTHORITY\\LOCAL SERVICE', Kind: 'ServiceAccount', LogonType: 'Service' });
  assert.deepEqual(jobUser('nt authority\\NetworkService', 'c1'), { Name: 'NT AUTHORITY\\NETWORK SERVICE', Kind: 'ServiceAccount', LogonType: 'Service' });
  assert.deepEqual(jobUser('', 'c1'), { Name: 'NT AUTHORITY\\SYSTEM', Kind: 'ServiceAccount', LogonType: 'Service' });
  assert.deepEqual(jobUser('Administrators', 'abcdefghijklmnopqrstuvwxyz'),
    { Name: 'Administrators', Kind: 'LocalGroup', LogonType: 'Interactive', TemporaryUser: 'abcdefghijklmnopqrst' });
  assert.deepEqual(jobUser('ops', 'c1', ['ops']), { Name: 'ops', Kind: 'LocalGroup', LogonType: 'Interactive', TemporaryUser: 'c1' });
  assert.deepEqual(jobUser('CORP\\svc-agent', 'c1'), { Name: 'CORP\\svc-agent', Kind: 'User', LogonType: 'Interactive' });
  assert.throws(() => jobUser('ContainerAdministrator', 'c1'), /only inside process-isolated containers/);
  assert.throws(() => jobUser('NT AUTHORITY\\ANONYMOUS LOGON', 'c1'), /not a service account/);
});

test('job limits: CPU count → rate over host CPUs, shares → weight 1..9, maximum as is, memory; one CPU control', () => {
  assert.deepEqual(jobLimits({ cpu: { count: 2 }, memory: { limit: 1 << 30 } }, 8), { CpuRate: 2500, JobMemoryLimitInBytes: 1 << 30 });
  assert.deepEqual(jobLimits({ cpu: { count: 16 } }, 8), { CpuRate: 10000 });
  assert.deepEqual(jobLimits({ cpu: { shares: 10000 } }, 8), { CpuWeight: 9 });
  assert.deepEqual(jobLimits({ cpu: { shares: 1 } }, 8), { CpuWeight: 1 });
  assert.deepEqual(jobLimits({ cpu: { maximum: 1234 } }, 8), { CpuRate: 1234 });
  assert.equal(jobLimits({}, 8), undefined);
  assert.throws(() => jobLimits({ cpu: { count: 1, maximum: 100 } }, 8), /mutually exclusive/);
});

test('job processes: the mount point variable is expanded and always set; the working directory defaults to it', () => {
  const d = buildJobContainerDocument(spec(), opts);
  assert.equal(expandMountPoint('%container_sandbox_mount_point%\\bin\\a.exe', 'C:\\hpc\\'), 'C:\\hpc\\bin\\a.exe');
  const p = jobProcessParameters(d, { CommandLine: '%CONTAINER_SANDBOX_MOUNT_POINT%\\agent.exe --dir %CONTAINER_SANDBOX_MOUNT_POINT%', Environment: { CFG: '%CONTAINER_SANDBOX_MOUNT_POINT%\\cfg' } });
  assert.deepEqual(p, {
    CommandLine: 'C:\\hpc\\agent.exe --dir C:\\hpc\\', WorkingDirectory: 'C:\\hpc\\',
    Environment: { CFG: 'C:\\hpc\\cfg', CONTAINER_SANDBOX_MOUNT_POINT: 'C:\\hpc\\' },
  });
});
