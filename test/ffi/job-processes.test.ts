/**
 * Processes of HostProcess job containers through the real Windows backend (src/platform/windows/jobs/) against the
 * fake kernel32 / advapi32 / netapi32 / userenv of test/ffi/fakeproc.c: creation as the container's user (suspended,
 * assigned to the job, resumed), environment and working directory, stdio, exit codes from the job's completion
 * port, console-control shutdown then termination, the temporary user of a local group, a TTY (pseudo console).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { isPlatformError } from '../../src/platform/hresult.js';
import { toStatusCode, toServiceError } from '../../src/cri/errors.js';
import type { ComputeEvent } from '../../src/platform/types.js';
import { fake, platformOn, stateDir, jobDoc, readAll } from './job-fixture.js';

const CREATE_SUSPENDED = 0x4, CREATE_UNICODE_ENVIRONMENT = 0x400, CREATE_BREAKAWAY_FROM_JOB = 0x01000000;

test('windows jobs: a process runs in the job as NT AUTHORITY\\SYSTEM with the container env and cwd; stdio flows; the exit code and the job stop arrive as events', async () => {
  const platform = await platformOn(stateDir());
  const id = 'b1000000000000000000000000000001';
  const s = await platform.jobs.createComputeSystem(id, jobDoc(id, 'NT AUTHORITY\\SYSTEM'));
  const events: ComputeEvent[] = [];
  s.onEvent((e) => events.push(e));
  await s.start();
  const p = await s.createProcess({
    CommandLine: 'agent.exe out=hello err=oops echo exit=3', WorkingDirectory: '%CONTAINER_SANDBOX_MOUNT_POINT%\\bin',
    Environment: { FOO: 'bar', DATA: '%CONTAINER_SANDBOX_MOUNT_POINT%\\data' },
    CreateStdInPipe: true, CreateStdOutPipe: true, CreateStdErrPipe: true,
  });
  const f = fake.proc(p.pid)!;
  assert.equal(f.user, 'NT AUTHORITY\\SYSTEM');
  assert.equal(f.cmd, 'cmd /c agent.exe out=hello err=oops echo exit=3');
  assert.equal(f.cwd, 'C:\\hpc\\bin');
  const env = f.env.split('\n').filter(Boolean);
  for (const e of ['CONTAINER_SANDBOX_MOUNT_POINT=C:\\hpc\\', 'FOO=bar', 'DATA=C:\\hpc\\data', 'USERPROFILE=C:\\Users\\SYSTEM',
    'Path=C:\\Windows\\system32;C:\\Windows;C:\\hpc\\;C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\;C:\\WINDOWS\\System32\\Wbem']) {
    assert.ok(env.includes(e), `${e} in ${f.env}`);
  }
  assert.equal(f.flags & (CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_BREAKAWAY_FROM_JOB), CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_BREAKAWAY_FROM_JOB);
  assert.equal(f.inherit, 1);
  assert.equal(f.assignedBeforeResume, 1, 'assigned to the job while still suspended');
  assert.equal(f.started, 1, 'resumed');
  assert.equal(fake.envBlocks(), 0, 'the default environment block is destroyed');

  const out = readAll(p.stdio.stdout);
  const err = readAll(p.stdio.stderr);
  p.stdio.stdin!.end('ping\n');
  assert.equal(await out, 'hello\nping\n');
  assert.equal(await err, 'oops\n');
  const st = await p.waitExit();
  assert.deepEqual(st, { ProcessId: p.pid, Exited: true, ExitCode: 3, LastWaitResult: 0 });
  assert.deepEqual(await s.waitExit(), { Status: 0, ExitType: 'GracefulExit' }, 'the job stopped with its last process');
  assert.deepEqual(events.map((e) => e.type), ['ProcessExited', 'SystemExited']);
  assert.equal((await s.getProperties()).State, 'Stopped');
  await assert.rejects(p.signal({ Signal: 'CtrlC' }), (e) => isPlatformError(e, 'HCS_E_PROCESS_ALREADY_STOPPED'));
  await assert.rejects(s.createProcess({ CommandLine: 'x' }), (e) => isPlatformError(e, 'HCS_E_SYSTEM_ALREADY_STOPPED'));
  p.close();
  s.close();
  assert.equal(fake.job(`JobContainer_${id}`), undefined, 'no handle and no process left: the job is gone');
  await platform.close();
});

test('windows jobs: a local group gets a temporary member (strong password) used by init and exec; shutdown sends CtrlShutdown to every process; the user goes with the job', async () => {
  const platform = await platformOn(stateDir());
  const id = 'b2000000000000000000000000000002';
  const user = id.slice(0, 20);
  const s = await platform.jobs.createComputeSystem(id, jobDoc(id, 'HPC Agents'));
  await s.start();
  const init = await s.createProcess({ CommandLine: 'agent.exe wait exit=0' });
  assert.deepEqual(fake.accounts().filter((a) => a.name === user), [{ name: user, group: 'HPC Agents' }]);
  assert.equal(fake.proc(init.pid)!.user, user);
  const exec = await s.createProcess({ CommandLine: 'helper.exe wait exit=7', CreateStdOutPipe: true });
  assert.equal(fake.proc(exec.pid)!.user, user, 'exec runs as the same temporary user');
  assert.equal(fake.accounts().filter((a) => a.name === user).length, 1, 'one user for the container');
  assert.deepEqual((await s.getProperties({ PropertyTypes: ['ProcessList'] })).ProcessList, [{ ProcessId: init.pid }, { ProcessId: exec.pid }]);

  const stopped = s.waitExit();
  await s.shutdown();
  assert.deepEqual([fake.proc(init.pid)?.ctrl, fake.proc(exec.pid)?.ctrl], [6, 6], 'CtrlShutdown through kernel32!CtrlRoutine');
  assert.equal((await init.waitExit()).ExitCode, 0);
  assert.equal((await exec.waitExit()).ExitCode, 7);
  assert.deepEqual(await stopped, { Status: 0, ExitType: 'GracefulExit' });
  assert.deepEqual(fake.accounts().filter((a) => a.name === user), [], 'the temporary user is deleted');
  init.close(); exec.close(); s.close();
  await platform.close();
});

test('windows jobs: a process that ignores CtrlShutdown is terminated with the job; signal, terminate and open by pid', async () => {
  const platform = await platformOn(undefined);
  const id = 'b3000000000000000000000000000003';
  const s = await platform.jobs.createComputeSystem(id, jobDoc(id, 'NT AUTHORITY\\Local service'));
  await s.start();
  const init = await s.createProcess({ CommandLine: 'agent.exe wait ignore-ctrl' });
  assert.equal(fake.proc(init.pid)!.user, 'NT AUTHORITY\\LOCAL SERVICE');
  const other = await s.createProcess({ CommandLine: 'side.exe wait ignore-ctrl' });
  const opened = await s.openProcess(init.pid);
  assert.deepEqual(await opened.getProperties(), { ProcessId: init.pid, Exited: false });
  await assert.rejects(s.openProcess(424242), (e) => isPlatformError(e, 'ERROR_NOT_FOUND'));

  await init.signal({ Signal: 'CtrlBreak' });
  assert.equal(fake.proc(init.pid)!.ctrl, 1);
  await s.shutdown();
  assert.equal(fake.proc(other.pid)!.ctrl, 6);
  assert.equal((await s.getProperties()).State, 'Running', 'both ignore the event');
  await other.terminate();
  assert.equal((await other.waitExit()).ExitCode, 1);
  await s.terminate();
  assert.deepEqual(await s.waitExit(), { Status: 0, ExitType: 'ForcedExit' });
  assert.equal((await opened.waitExit()).ExitCode, 1, 'the opened handle sees the exit too');
  await assert.rejects(init.terminate(), (e) => isPlatformError(e, 'HCS_E_PROCESS_ALREADY_STOPPED'));
  for (const x of [init, other, opened, s]) x.close();
  await platform.close();
});

test('windows jobs: caller mistakes and unsupported requests are clear errors', async () => {
  const platform = await platformOn(undefined);
  const id = 'b4000000000000000000000000000004';
  const s = await platform.jobs.createComputeSystem(id, jobDoc(id, 'NT AUTHORITY\\Network service'));
  await s.start();
  await assert.rejects(s.createProcess({ CommandLine: 'missing.exe' }), (e) => isPlatformError(e, 'ERROR_FILE_NOT_FOUND') && toStatusCode(e) === status.FAILED_PRECONDITION);
  for (const verb of [() => s.pause(), () => s.resume()]) {
    await assert.rejects(verb(), (e) => isPlatformError(e, 'E_NOTIMPL') && /not supported for HostProcess containers/.test((e as Error).message) && !/yet/.test((e as Error).message));
  }
  await s.terminate();
  const bad = await platform.jobs.createComputeSystem('b4b', jobDoc('b4b', '.\\nobody'));
  await bad.start();
  await assert.rejects(bad.createProcess({ CommandLine: 'agent.exe' }), (e) => isPlatformError(e, 'ERROR_LOGON_FAILURE') && /cannot log on \.\\nobody/.test((e as Error).message)
    && toStatusCode(e) === status.FAILED_PRECONDITION && /run_as_username/.test(String(toServiceError(e).details)));
  await assert.rejects(s.createProcess({ CommandLine: 'x' }), (e) => toStatusCode(e) === status.FAILED_PRECONDITION, 'a stopped container takes no exec');
  await bad.terminate();
  bad.close(); s.close();
  await platform.close();
});

test('windows jobs: a TTY process gets a pseudo console of the requested size, resizable, closed when it exits', async () => {
  const platform = await platformOn(undefined);
  const id = 'b5000000000000000000000000000005';
  const s = await platform.jobs.createComputeSystem(id, jobDoc(id, 'NT AUTHORITY\\SYSTEM'));
  await s.start();
  const plain = await s.createProcess({ CommandLine: 'agent.exe wait' });
  const consoles = fake.consoles();
  const p = await s.createProcess({
    CommandLine: 'shell.exe out=prompt err=warn echo exit=2', EmulateConsole: true, ConsoleSize: [30, 100],
    CreateStdInPipe: true, CreateStdOutPipe: true, CreateStdErrPipe: true,
  });
  assert.equal(p.stdio.stderr, undefined, 'a console has one output');
  assert.equal(fake.proc(p.pid)!.console, '100x30');
  assert.equal(fake.proc(p.pid)!.assignedBeforeResume, 1);
  assert.equal(fake.consoles(), consoles + 1);
  await p.modify({ Operation: 'ConsoleSize', ConsoleSize: { Height: 40, Width: 120 } });
  assert.equal(fake.proc(p.pid)!.console, '120x40');
  const out = readAll(p.stdio.stdout);
  p.stdio.stdin!.end('ls\n');
  assert.equal((await p.waitExit()).ExitCode, 2);
  assert.equal(await out, 'prompt\nwarn\nls\n', 'output ends once the console is closed after the exit');
  assert.equal(fake.consoles(), consoles);
  await assert.rejects(plain.modify({ Operation: 'ConsoleSize', ConsoleSize: { Height: 1, Width: 1 } }), (e) => isPlatformError(e, 'HCS_E_INVALID_STATE'));
  await s.terminate();
  for (const x of [p, plain, s]) x.close();
  await platform.close();
});
