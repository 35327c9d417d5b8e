import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setup, rejectsWith, readAll, containerDoc, alive, until } from './helpers.js';
import { cgroupInstanceDir } from '../../../../src/platform/emulator/service/cgroups.js';
import { cgroupSupport } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { instanceId } from '../../../../src/platform/emulator/service/instance.js';
import { volume, jobDoc } from './job-helpers.js';

test('emulator jobs: a job container runs host processes at its mount point with the environment and mounts', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const vol = await volume(env, 'app', { 'bin/tool.sh': '#!/bin/sh\necho tool-ran "$@"\n', 'data.txt': 'image data\n' });
  const hostDir = join(env.dir, 'secrets');
  mkdirSync(hostDir);
  writeFileSync(join(hostDir, 'token'), 'tkn\n');
  const jobs = env.platform.jobs;
  const doc = jobDoc(vol, { Mounts: [{ HostPath: hostDir, ContainerPath: 'C:\\var\\secrets', MountPointPath: 'C:\\hpc\\var\\secrets', BoundPath: 'C:\\var\\secrets', ReadOnly: true }] });
  const s = await jobs.createComputeSystem('j', doc);
  await s.start();
  const { chmodSync } = await import('node:fs');
  const desc = await env.platform.describeJob('j');
  chmodSync(join(desc.hostMountPoint, 'bin', 'tool.sh'), 0o755);
  assert.deepEqual(desc.document.User, doc.User, 'the user mapping (and the temporary user of the group) is recorded');
  assert.ok(lstatSync(join(desc.hostMountPoint, 'var', 'secrets')).isSymbolicLink());
  assert.equal(readlinkSync(join(desc.hostMountPoint, 'var', 'secrets')), hostDir);

  const p = await s.createProcess({
    CommandLine: 'sh -c "printf \'mp=%s x=%s\\n\' $CONTAINER_SANDBOX_MOUNT_POINT $X; pwd; cat data.txt var/secrets/token; cat /proc/self/status | grep ^NSpid"',
    Environment: { X: '%CONTAINER_SANDBOX_MOUNT_POINT%bin' }, CreateStdOutPipe: true,
  });
  const out = await readAll(p.stdio.stdout);
  const lines = out.split('\n');
  assert.equal(lines[0], 'mp=C:\\hpc\\ x=C:\\hpc\\bin');
  assert.equal(lines[1], desc.hostMountPoint, 'the default working directory is the mount point');
  assert.equal(lines[2], 'image data');
  assert.equal(lines[3], 'tkn');
  assert.match(lines[4]!, /^NSpid:\s+\d+$/, 'no PID namespace: one pid level');
  assert.equal((await p.waitExit()).ExitCode, 0);

  // %CONTAINER_SANDBOX_MOUNT_POINT% in the command line resolves to the image's program.
  const tool = await s.createProcess({ CommandLine: '%CONTAINER_SANDBOX_MOUNT_POINT%\\bin\\tool.sh a b', CreateStdOutPipe: true });
  assert.equal(await readAll(tool.stdio.stdout), 'tool-ran a b\n');
  // A working directory outside the mount point is on the (emulated) host drive, created when missing.
  const hostCwd = await s.createProcess({ CommandLine: 'pwd', WorkingDirectory: 'C:\\ProgramData\\agent', CreateStdOutPipe: true });
  assert.equal(await readAll(hostCwd.stdio.stdout), `${join(env.dir, 'state', 'host', 'c', 'ProgramData', 'agent')}\n`);

  const props = await s.getProperties({ PropertyTypes: ['Statistics', 'ProcessList'] });
  assert.equal(props.State, 'Running');
  assert.ok(props.Statistics?.Processor?.TotalRuntime100ns !== undefined);
  await s.terminate();
  assert.equal((await s.getProperties()).State, 'Stopped');
  s.close();
});

test('emulator jobs: job containers and compute systems are separate kinds; documents are validated', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const vol = await volume(env, 'k', { 'a.txt': 'a' });
  const job = await env.platform.jobs.createComputeSystem('job1', jobDoc(vol));
  const sys = await env.platform.compute.createComputeSystem('sys1', containerDoc());
  await rejectsWith(env.platform.compute.openComputeSystem('job1'), 'HCS_E_SYSTEM_NOT_FOUND');
  await rejectsWith(env.platform.jobs.openComputeSystem('sys1'), 'HCS_E_SYSTEM_NOT_FOUND');
  assert.deepEqual((await env.platform.jobs.enumerateComputeSystems({ Owners: ['wincri-test'] })).map((p) => p.Id), ['job1']);
  assert.deepEqual((await env.platform.compute.enumerateComputeSystems()).map((p) => p.Id), ['sys1']);
  await rejectsWith(env.platform.jobs.createComputeSystem('sys1', jobDoc(vol)), 'HCS_E_SYSTEM_ALREADY_EXISTS');
  await rejectsWith(env.platform.jobs.createComputeSystem('bad', { ...jobDoc(vol), Bogus: 1 } as never), 'HCS_E_INVALID_JSON');
  await rejectsWith(env.platform.jobs.createComputeSystem('bad', jobDoc(vol, { MountPoint: 'hpc' })), 'HCS_E_INVALID_JSON');
  await rejectsWith(env.platform.jobs.createComputeSystem('bad', jobDoc(vol, {
    User: { Name: 'Users', Kind: 'LocalGroup', LogonType: 'Interactive' },
  })), 'HCS_E_INVALID_JSON');
  await rejectsWith(env.platform.jobs.createComputeSystem('bad', jobDoc(vol, {
    Mounts: [{ HostPath: join(env.dir, 'missing'), ContainerPath: 'C:\\m', MountPointPath: 'C:\\hpc\\m' }],
  })), 'ERROR_PATH_NOT_FOUND');
  await job.start();
  // Live limits: validated as a Windows job object's (same parser), recorded in the document, applied to the cgroup.
  await rejectsWith(job.modify({ ResourcePath: 'x', RequestType: 'Update' } as never), 'E_INVALIDARG');
  await rejectsWith(job.modify({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Add', Settings: 64 }), 'E_INVALIDARG');
  await rejectsWith(job.modify({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 0 }), 'E_INVALIDARG');
  await rejectsWith(job.modify({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: {} }), 'E_INVALIDARG');
  await job.modify({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 64 });
  await job.modify({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Maximum: 2500 } });
  assert.deepEqual((await env.platform.describeJob('job1')).document.Limits, { JobMemoryLimitInBytes: 64 * 1024 * 1024, CpuRate: 2500 });
  await job.modify({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Weight: 10000 } });
  assert.deepEqual((await env.platform.describeJob('job1')).document.Limits, { JobMemoryLimitInBytes: 64 * 1024 * 1024, CpuWeight: 9 });
  const cg = cgroupSupport();
  if (cg) {
    const dir = join(cg.roots[0]!, cgroupInstanceDir(instanceId(join(env.dir, 'state'))), 'job1');
    const mem = join(dir, cg.version === 2 ? 'memory.max' : 'memory.limit_in_bytes');
    assert.equal(readFileSync(mem, 'utf8').trim(), String(64 * 1024 * 1024));
    const pr = await job.createProcess({ CommandLine: 'cat /proc/self/cgroup', CreateStdOutPipe: true });
    assert.match(await readAll(pr.stdio.stdout), new RegExp(`wincri-emulator/${cgroupInstanceDir(instanceId(join(env.dir, 'state')))}/job1$`, 'm'), 'the job\'s processes run in its cgroup');
    pr.close();
  }
  await job.terminate();
  job.close();
  sys.close();
});

test('emulator jobs: a restarted service re-adopts a running job container', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const vol = await volume(env, 'r', { 'a.txt': 'a' });
  const s = await env.platform.jobs.createComputeSystem('jr', jobDoc(vol));
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sleep 60' });
  const oldPid = await env.platform.servicePid();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  assert.ok(alive(pr.pid));
  const s2 = await env.platform.jobs.openComputeSystem('jr');
  assert.equal((await s2.getProperties()).State, 'Running');
  assert.equal((await env.platform.describeJob('jr')).document.MountPoint, 'C:\\hpc\\');
  const echo = await s2.createProcess({ CommandLine: 'sh -c "printf %s $CONTAINER_SANDBOX_MOUNT_POINT; cat a.txt"', CreateStdOutPipe: true });
  assert.equal(await readAll(echo.stdio.stdout), 'C:\\hpc\\a');
  assert.match(readFileSync(join(env.dir, 'state', 'service.log'), 'utf8'), /re-adopted process/);
  await s2.terminate();
  await until(() => !alive(pr.pid)); // reaped by init once the kill lands (it is not the new service's child)
  s2.close();
  s.close();
});
