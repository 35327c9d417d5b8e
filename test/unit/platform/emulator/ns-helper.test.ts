/**
 * The namespace helper (ns-helper.ts): isolated systems' holders and processes run through it when a C compiler
 * is present, a restarted service reports a re-adopted process's real exit code from the helper's status file,
 * and without the helper (WINCRI_EMULATOR_NS_HELPER=0) the util-linux path still isolates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setup, containerDoc, readAll, until, alive } from './helpers.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { readStat } from '../../../../src/platform/emulator/service/procfs.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;

interface Launcher { Kind: string; Reason?: string }
async function launcher(env: Awaited<ReturnType<typeof setup>>): Promise<Launcher | undefined> {
  const props = await env.platform.compute.getServiceProperties() as { Isolation?: { Launcher?: Launcher } };
  return props.Isolation?.Launcher;
}

test('namespace helper: holder and wrapper are the helper; the program is its child, in its own session', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const log = join(env.dir, 'termination-log');
  writeFileSync(log, 'from host\n');
  const s = await env.platform.compute.createComputeSystem('nsh', containerDoc({ MappedDirectories: [{ HostPath: log, ContainerPath: 'C:\\dev\\term\\log' }] }));
  await s.start();
  // /dev is a tmpfs the helper filled: devices, pts, shm, links, and the mount point of a mapping under /dev.
  const dev = await s.createProcess({ CommandLine: 'sh -c "ls /dev | tr \'\\n\' \' \'; cat /dev/term/log; echo x > /dev/null && readlink /dev/fd"', CreateStdOutPipe: true });
  assert.equal(await readAll(dev.stdio.stdout), 'fd full null ptmx pts random shm stderr stdin stdout term tty urandom zero from host\n/proc/self/fd\n');
  assert.equal(existsSync(join(env.dir, 'state', 'devs', 'nsh')), false, 'no /dev directory on disk');
  assert.deepEqual(await launcher(env), { Kind: 'helper' }, 'gcc is installed by test/setup.mjs');
  const pr = await s.createProcess({ CommandLine: 'sleep 30' });
  const st = readStat(pr.pid)!;
  assert.equal(st.comm, 'sleep');
  assert.equal(st.session, pr.pid, 'setsid: the program leads its session and process group');
  assert.match(readStat(st.ppid)?.comm ?? '', /^wincri-ns/, 'the helper waits for the program');
  // The program is charged to the system's cgroup; its waiter (the only reader of its pipes) stays in the service's.
  const cgroupOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  assert.equal(cgroupOf(st.ppid), cgroupOf(await env.platform.servicePid()), 'the waiter is not in the system\'s cgroup');
  if (facts.Cgroups) assert.notEqual(cgroupOf(pr.pid), cgroupOf(st.ppid), 'the program is in the system\'s cgroup');
  mkdirSync(join(env.dir, 'state', 'roots', 'nsh', 'sub'));
  // PID 1 of the system is the helper's holder; `..` from the working directory stays inside the root.
  const ps = await s.createProcess({ CommandLine: 'sh -c "cat /proc/1/comm; cd ../../..; pwd"', WorkingDirectory: 'C:\\sub', CreateStdOutPipe: true });
  const out = (await readAll(ps.stdio.stdout)).split('\n');
  assert.match(out[0]!, /^wincri-ns/);
  assert.equal(out[1], '/');
  await pr.terminate();
  assert.equal((await pr.waitExit()).ExitCode, 137);
  await s.terminate();
});

test('namespace helper: a re-adopted process that exits with 7 reports 7 after a service restart', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('re7', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sh -c "while [ ! -e /go ]; do sleep 0.05; done; exit 7"' });
  const waiting = pr.waitExit();
  const oldPid = await env.platform.servicePid();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  assert.ok(alive(pr.pid), 'the process outlives the service');
  const s2 = await env.platform.compute.openComputeSystem('re7');
  assert.notEqual(await env.platform.servicePid(), oldPid);
  const pr2 = await s2.openProcess(pr.pid);
  assert.equal((await pr2.getProperties()).Exited, false);
  writeFileSync(join(stateDir, 'roots', 're7', 'go'), '');
  assert.deepEqual(await waiting, { ProcessId: pr.pid, Exited: true, ExitCode: 7, LastWaitResult: 0 });
  assert.equal((await pr2.getProperties()).ExitCode, 7);
  // The status file goes once the exit is recorded.
  await until(() => !existsSync(join(stateDir, 'exits')) || readdirSync(join(stateDir, 'exits')).length === 0);
  await s2.terminate();
});

test('without the helper (WINCRI_EMULATOR_NS_HELPER=0) isolation runs through util-linux', { skip }, async (t) => {
  const before = process.env.WINCRI_EMULATOR_NS_HELPER;
  process.env.WINCRI_EMULATOR_NS_HELPER = '0';
  const env = await setup();
  if (before === undefined) delete process.env.WINCRI_EMULATOR_NS_HELPER; else process.env.WINCRI_EMULATOR_NS_HELPER = before;
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('shell', containerDoc());
  await s.start();
  assert.equal((await launcher(env))?.Kind, 'shell');
  const pr = await s.createProcess({ CommandLine: 'sh -c "cat /proc/1/comm; exit 5"', CreateStdOutPipe: true });
  assert.equal(await readAll(pr.stdio.stdout), 'sh\n');
  assert.equal((await pr.waitExit()).ExitCode, 5);
  await s.terminate();
});

test('namespace helper: the copy that spools on after the exit is invisible to the system (no host fds in its /proc)', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('nofd', containerDoc());
  await s.start();
  // The background sleep keeps stdout open past the exit: the waiter hands the rest of the output to a copy.
  const pr = await s.createProcess({ CommandLine: 'sh -c "sleep 30 & echo hi"', CreateStdOutPipe: true });
  let ended = false;
  const out = readAll(pr.stdio.stdout).then((o) => { ended = true; return o; });
  assert.equal((await pr.waitExit()).ExitCode, 0);
  assert.equal(ended, false, 'a copy of the waiter still reads the pipe the sleep holds');
  // Every process the system can see, with its name and where its fds lead.
  const ps = await s.createProcess({
    CommandLine: 'sh -c "for p in /proc/[0-9]*; do echo P ${p#/proc/} $(cat $p/comm); for f in $p/fd/*; do echo F $(readlink $f); done; done"',
    CreateStdOutPipe: true,
  });
  const lines = (await readAll(ps.stdio.stdout)).split('\n').filter(Boolean);
  const helpers = lines.filter((l) => /^P \d+ wincri-ns/.test(l)).map((l) => l.split(' ')[1]);
  assert.deepEqual(helpers, ['1'], `only the holder is a helper in the system's /proc:\n${lines.join('\n')}`);
  assert.ok(lines.some((l) => /^P \d+ sleep$/.test(l)), 'the background sleep is visible');
  const host = lines.filter((l) => l.startsWith('F ') && l.includes(env.dir));
  assert.deepEqual(host, [], 'no visible fd leads to a host directory');
  await s.terminate();
  assert.equal(await out, 'hi\n');
});

test('namespace helper: a program that cannot be executed fails HcsCreateProcess (E_ACCESSDENIED, ERROR_FILE_NOT_FOUND)', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('noexec', containerDoc());
  await s.start();
  const root = join(env.dir, 'state', 'roots', 'noexec');
  // Executable scripts (the service finds them) whose interpreter is not executable, or missing: execve fails.
  writeFileSync(join(root, 'interp'), '#!/bin/sh\n', { mode: 0o644 });
  writeFileSync(join(root, 'prog'), '#!/interp\n', { mode: 0o755 });
  writeFileSync(join(root, 'orphan'), '#!/no/such/interp\n', { mode: 0o755 });
  await assert.rejects(s.createProcess({ CommandLine: 'C:\\prog', CreateStdOutPipe: true, CreateStdErrPipe: true }),
    (e: Error & { code?: string }) => e.code === 'E_ACCESSDENIED' && /prog.*access is denied/.test(e.message));
  await assert.rejects(s.createProcess({ CommandLine: 'C:\\orphan' }),
    (e: Error & { code?: string }) => e.code === 'ERROR_FILE_NOT_FOUND' && /orphan/.test(e.message));
  // Nothing of the failed starts is left: no status files once the helpers exited, and the system still works.
  await until(() => readdirSync(join(env.dir, 'state', 'exits')).length === 0);
  const ok = await s.createProcess({ CommandLine: 'sh -c "exit 4"' });
  assert.equal((await ok.waitExit()).ExitCode, 4);
  await s.terminate();
});

test('namespace helper: on a console, ^C reaches the program (its controlling terminal), not the helper', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('ctty', containerDoc());
  await s.start();
  const pr = await s.createProcess({
    CommandLine: 'sh -c "trap \'echo got-int; exit 9\' INT; echo ready; while :; do sleep 0.1; done"',
    CreateStdInPipe: true, CreateStdOutPipe: true, EmulateConsole: true,
  });
  let text = '';
  const stdout = pr.stdio.stdout as Readable;
  stdout.on('data', (b: Buffer) => { text += b.toString(); });
  await until(() => text.includes('ready'), 10_000);
  pr.stdio.stdin!.write('\x03');
  // The program's trap ran and its own exit code is reported (the helper killed by SIGINT would give 130).
  assert.equal((await pr.waitExit()).ExitCode, 9);
  await until(() => text.includes('got-int'));
  await s.terminate();
});
