/**
 * The Windows job-container backend (src/platform/windows/jobs.ts + ffi/jobobject.ts) against the fake kernel32 /
 * bindfltapi of test/ffi/fakejob.c: job object, limits, silo + bind filter mappings, accounting, process list,
 * reopening by name, termination and handle release. Processes: job-processes.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFakeLibrary, fakeLibraries } from './fakelib.js';
import { createWindowsPlatform } from '../../src/platform/windows/index.js';
import { loadLibraries, winapi } from '../../src/platform/windows/ffi/index.js';
import { buildJobContainerDocument } from '../../src/platform/jobs/document/index.js';
import { isPlatformError } from '../../src/platform/hresult.js';
import type { ContainerSpec } from '../../src/platform/spec.js';

const so = buildFakeLibrary();
const lib = loadLibraries(fakeLibraries(so)).kernel32;
const describe = winapi(lib, 'FakeJobDescribe', 'const char *', ['const char *']);
const addProcess = winapi(lib, 'FakeJobAddProcess', 'void', ['const char *', 'uint32', 'int64', 'int64']);
const job = (name: string) => { const t = describe(name) as string; return t ? JSON.parse(t) : undefined; };

const SPEC: ContainerSpec = {
  ociVersion: '1.2.0',
  process: { args: ['agent.exe'], env: [], cwd: 'C:\\hpc', terminal: false, user: { username: 'NT AUTHORITY\\SYSTEM' } },
  mounts: [{ destination: 'C:\\var\\run\\secrets', source: 'C:\\kubelet\\token', options: ['ro'] }],
  annotations: {},
  windows: { layerFolders: [], hostProcess: true, resources: { cpu: { maximum: 2500 }, memory: { limit: 64 * 1024 * 1024 } } },
};

test('windows jobs: create sets limits, promotes to a silo and binds the volume and mounts; stats, reopen, terminate', async () => {
  const platform = await createWindowsPlatform({ libraries: fakeLibraries(so), host: { osVersion: '10.0.20348', architecture: 'amd64' } });
  assert.equal(platform.jobs.fileBinding, true);
  const id = 'aa11bb22cc33';
  const vol = '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000009}\\';
  const doc = buildJobContainerDocument(SPEC, { owner: 'wincri', id, rootVolume: vol, layers: [], fileBinding: true, hostProcessorCount: 4 });
  const s = await platform.jobs.createComputeSystem(id, doc);
  const name = `JobContainer_${id}`;
  const j = job(name);
  assert.equal(j.silo, 1);
  assert.equal(j.limitFlags, 0x200, 'job memory limit, no kill-on-close');
  assert.equal(j.jobMemory, 64 * 1024 * 1024);
  assert.deepEqual([j.cpuFlags, j.cpuValue], [0x5, 2500]);
  assert.deepEqual(j.binds, [
    { root: 'C:\\hpc\\', target: vol, flags: 0x4 },
    { root: 'C:\\var\\run\\secrets', target: 'C:\\kubelet\\token', flags: 0x5 },
  ]);
  await s.start();
  addProcess(name, 4242, 3_000_000n, 1_000_000n);
  const props = await s.getProperties({ PropertyTypes: ['Statistics', 'ProcessList'] });
  assert.equal(props.State, 'Running');
  assert.deepEqual(props.Statistics?.Processor, { TotalRuntime100ns: 4_000_000, RuntimeUser100ns: 3_000_000, RuntimeKernel100ns: 1_000_000 });
  assert.deepEqual(props.ProcessList, [{ ProcessId: 4242 }]);
  assert.deepEqual((await platform.jobs.enumerateComputeSystems({ Owners: ['wincri'] })).map((p) => p.Id), [id]);

  const again = await platform.jobs.openComputeSystem(id);
  assert.equal(job(name).handles, 3, 'the creator\'s handle, the backend\'s own (accounting, notifications), this one');
  again.close();
  await s.terminate();
  assert.equal(job(name).terminated, 1);
  await assert.rejects(s.terminate(), (e) => isPlatformError(e, 'HCS_E_SYSTEM_ALREADY_STOPPED'));
  s.close();
  assert.equal(job(name), undefined, 'the job is gone with its last handle once no process runs');
  await assert.rejects(platform.jobs.openComputeSystem('missing'), (e) => isPlatformError(e, 'HCS_E_SYSTEM_NOT_FOUND'));
  await platform.close();
});
