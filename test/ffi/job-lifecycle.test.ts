/**
 * Job containers across a daemon restart, live limits, and hosts without the bind filter, through the real
 * Windows backend against test/ffi/fakejob.c + fakeproc.c: the record kept in the state directory lets a new
 * daemon exec into a running container (with the token of its processes) and delete its temporary user when it
 * stops, or at start-up when it ended while no daemon ran.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { isPlatformError } from '../../src/platform/hresult.js';
import { JOB_OBJECT_ALL_ACCESS, type Pointer } from '../../src/platform/windows/ffi/index.js';
import { fake, platformOn, stateDir, jobDoc, readAll, VOLUME } from './job-fixture.js';

test('windows jobs: after a restart a running container takes execs as its temporary user and loses that user when it stops', async () => {
  const dir = stateDir();
  const id = 'c1000000000000000000000000000001';
  const user = id.slice(0, 20);
  const before = await platformOn(dir);
  const s = await before.jobs.createComputeSystem(id, jobDoc(id, 'Users'));
  await s.start();
  const init = await s.createProcess({ CommandLine: 'agent.exe wait' });
  assert.deepEqual(fake.accounts().filter((a) => a.name === user), [{ name: user, group: 'Users' }]);
  assert.equal(readdirSync(dir).length, 1, 'one record');
  // The daemon goes away: its handles close, the job keeps running.
  init.close(); s.close();
  await before.close();

  const after = await platformOn(dir);
  assert.deepEqual((await after.jobs.enumerateComputeSystems()).map((p) => [p.Id, p.State]), [[id, 'Running']]);
  const again = await after.jobs.openComputeSystem(id);
  const reopened = await again.openProcess(init.pid);
  const exec = await again.createProcess({ CommandLine: 'whoami.exe out=done exit=4', CreateStdOutPipe: true });
  assert.equal(fake.proc(exec.pid)!.user, user, 'the token of a running process of the job');
  assert.equal(fake.accounts().filter((a) => a.name === user).length, 1, 'no second user');
  assert.equal(await readAll(exec.stdio.stdout), 'done\n');
  assert.equal((await exec.waitExit()).ExitCode, 4, 'exit observed by polling (the job keeps its first completion port)');
  await again.terminate();
  assert.equal((await reopened.waitExit()).ExitCode, 1);
  assert.deepEqual(fake.accounts().filter((a) => a.name === user), []);
  assert.deepEqual(readdirSync(dir), [], 'the record is gone');
  for (const x of [exec, reopened, again]) x.close();
  await after.close();
});

test('windows jobs: the daemon creates the job, the IO keeper its processes (same state directory), the daemon execs as the same temporary user', async () => {
  const dir = stateDir();
  const id = 'c5000000000000000000000000000005';
  const user = id.slice(0, 20);
  const daemon = await platformOn(dir);
  const keeper = await platformOn(dir);
  const s = await daemon.jobs.createComputeSystem(id, jobDoc(id, 'HPC Agents'));
  await s.start();
  const k = await keeper.jobs.openComputeSystem(id);
  await assert.rejects(k.createProcess({ CommandLine: 'missing.exe' }), (e) => isPlatformError(e, 'ERROR_FILE_NOT_FOUND'));
  assert.equal(fake.accounts().filter((a) => a.name === user).length, 1, 'the keeper created the user before CreateProcess failed');
  const first = await s.createProcess({ CommandLine: 'agent.exe wait' });
  assert.equal(fake.proc(first.pid)!.user, user, 'no process ran: the daemon recreated the user whose password only the keeper knew');
  const init = await k.createProcess({ CommandLine: 'agent.exe wait' });
  const exec = await s.createProcess({ CommandLine: 'probe.exe exit=0' });
  assert.deepEqual([fake.proc(init.pid)!.user, fake.proc(exec.pid)!.user], [user, user]);
  assert.equal(fake.accounts().filter((a) => a.name === user).length, 1);
  await s.terminate();
  // Another process sees only that no process is left in the job: how it ended is known to the terminating one.
  assert.deepEqual(await k.waitExit(), { Status: 0, ExitType: 'GracefulExit' }, 'the keeper\'s handle sees the stop too');
  assert.deepEqual(fake.accounts().filter((a) => a.name === user), []);
  for (const x of [first, init, exec, k, s]) x.close();
  await keeper.close();
  await daemon.close();
});

test('windows jobs: a container that ended while no daemon ran has its temporary user deleted at start-up', async () => {
  const dir = stateDir();
  const id = 'c2000000000000000000000000000002';
  const user = id.slice(0, 20);
  const before = await platformOn(dir);
  const s = await before.jobs.createComputeSystem(id, jobDoc(id, 'HPC Agents'));
  await s.start();
  const init = await s.createProcess({ CommandLine: 'agent.exe wait' });
  await before.close(); // the daemon stops watching and its own handles go, then "crashes"
  const b = before.bindings;
  const h = b.jobs.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, 0, `JobContainer_${id}`) as Pointer;
  b.jobs.TerminateJobObject(h, 1); // the job ends with nobody watching
  b.win32.CloseHandle(h); init.close(); s.close();
  assert.equal(fake.job(`JobContainer_${id}`), undefined);
  assert.equal(fake.accounts().filter((a) => a.name === user).length, 1, 'left behind by the crash');

  const after = await platformOn(dir);
  assert.deepEqual(await after.jobs.enumerateComputeSystems(), []);
  assert.deepEqual(fake.accounts().filter((a) => a.name === user), []);
  assert.deepEqual(readdirSync(dir), []);
  await assert.rejects(after.jobs.openComputeSystem(id), (e) => isPlatformError(e, 'HCS_E_SYSTEM_NOT_FOUND'));
  await after.close();
});

test('windows jobs: UpdateContainerResources requests change the job limits live', async () => {
  const platform = await platformOn(undefined);
  const id = 'c3000000000000000000000000000003';
  const name = `JobContainer_${id}`;
  const s = await platform.jobs.createComputeSystem(id, jobDoc(id, 'NT AUTHORITY\\SYSTEM', true, { resources: { memory: { limit: 64 * 1024 * 1024 }, cpu: { maximum: 2500 } } }));
  await s.start();
  const p = await s.createProcess({ CommandLine: 'agent.exe wait' });
  await s.modify({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 128 });
  assert.deepEqual([fake.job(name)!.limitFlags, fake.job(name)!.jobMemory, fake.job(name)!.cpuValue], [0x200, 128 * 1024 * 1024, 2500], 'memory changed, CPU kept');
  await s.modify({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Maximum: 5000 } });
  assert.deepEqual([fake.job(name)!.cpuFlags, fake.job(name)!.cpuValue, fake.job(name)!.jobMemory], [0x5, 5000, 128 * 1024 * 1024]);
  await s.modify({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Weight: 5000 } });
  assert.deepEqual([fake.job(name)!.cpuFlags, fake.job(name)!.cpuValue], [0x3, 5], 'weight-based: 1 + 8·5000/10000');
  await s.modify({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: { Count: 1 } });
  assert.deepEqual([fake.job(name)!.cpuFlags, fake.job(name)!.cpuValue], [0x5, Math.max(1, Math.floor(10000 / cpus().length))]);
  await assert.rejects(s.modify({ ResourcePath: 'Container/Networking', RequestType: 'Update', Settings: {} }), (e) => isPlatformError(e, 'E_INVALIDARG'));
  await assert.rejects(s.modify({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: {} }), (e) => isPlatformError(e, 'E_INVALIDARG'));
  await s.terminate();
  await assert.rejects(s.modify({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: 64 }), (e) => isPlatformError(e, 'HCS_E_SYSTEM_ALREADY_STOPPED'));
  p.close(); s.close();
  await platform.close();
});

test('windows jobs: without the bind filter the volume is mounted at C:\\hpc\\<id>\\ with mounts as links under it, and unmounted when the job stops', async () => {
  const platform = await platformOn(undefined, { bindFilter: false });
  assert.equal(platform.jobs.fileBinding, false);
  const id = 'c4000000000000000000000000000004';
  const mp = `C:\\hpc\\${id}\\`;
  const doc = jobDoc(id, 'NT AUTHORITY\\SYSTEM', false);
  assert.equal(doc.MountPoint, mp);
  const seen = fake.volumeLog().length;
  const s = await platform.jobs.createComputeSystem(id, doc);
  assert.deepEqual(fake.volumeLog().slice(seen), [
    'mkdir C:\\hpc', `mkdir C:\\hpc\\${id}`, `mount ${mp} -> ${VOLUME}`,
    `mkdir ${mp}var`, `mkdir ${mp}var\\run`, `symlink ${mp}var\\run\\secrets -> C:\\kubelet\\token (dir)`,
  ]);
  assert.equal(fake.job(`JobContainer_${id}`)!.silo, 0, 'no silo without the bind filter');
  await s.start();
  const p = await s.createProcess({ CommandLine: 'agent.exe exit=0', WorkingDirectory: 'C:\\work' });
  assert.equal(fake.proc(p.pid)!.cwd, `${mp}work`, 'a plain working directory is taken under the mount point');
  assert.ok(fake.proc(p.pid)!.env.includes(`CONTAINER_SANDBOX_MOUNT_POINT=${mp}`));
  await s.waitExit();
  assert.deepEqual(fake.volumeLog().slice(-2), [`unmount ${mp}`, `rmdir ${mp}`]);
  await assert.rejects(platform.jobs.createComputeSystem('c4b', { ...jobDoc('c4b', 'NT AUTHORITY\\SYSTEM', true) }), (e) => isPlatformError(e, 'ERROR_NOT_SUPPORTED') && /bindfltapi/.test((e as Error).message));
  p.close(); s.close();
  assert.equal(existsSync(mp), false);
  await platform.close();
});
