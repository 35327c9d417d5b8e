import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup, containerDoc, alive, until, readAll } from './helpers.js';
import { createEmulatorPlatform } from '../../../../src/platform/emulator/index.js';
import { HRESULT } from '../../../../src/platform/hresult.js';

const indexUrl = new URL('../../../../src/platform/emulator/index.js', import.meta.url).href;

test('emulator survival: a client killed with SIGKILL leaves its processes running', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  // A separate client process creates a system and a long-running process, reports the pid, then is killed.
  const script = `
    const { createEmulatorPlatform } = await import(${JSON.stringify(indexUrl)});
    const p = await createEmulatorPlatform({ stateDir: ${JSON.stringify(stateDir)} });
    const s = await p.compute.createComputeSystem('victim', { Container: {}, ShouldTerminateOnLastHandleClosed: false });
    await s.start();
    const pr = await s.createProcess({ CommandLine: 'sh -c "while [ ! -e go ]; do sleep 0.05; done; echo started; sleep 60"', CreateStdOutPipe: true });
    process.stdout.write(JSON.stringify({ pid: pr.pid }) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let line = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => { line += d; });
  await until(() => line.includes('\n'), 10_000);
  const { pid } = JSON.parse(line) as { pid: number };
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  await new Promise((r) => setTimeout(r, 200));
  assert.ok(alive(pid), 'process survives its client');
  const s = await env.platform.compute.openComputeSystem('victim');
  assert.equal((await s.getProperties()).State, 'Running');
  const pr = await s.openProcess(pid);
  assert.equal((await pr.getProperties()).Exited, false);
  // Output produced after the client died stays in the pipe; another client can take the stream over.
  writeFileSync(join(stateDir, 'roots', 'victim', 'go'), '');
  const out = await env.platform.attachStdio('victim', pid, 'stdout');
  let got = '';
  out.setEncoding('utf8');
  out.on('data', (d: string) => { got += d; });
  await until(() => got === 'started\n');
  await pr.terminate();
  assert.equal((await pr.waitExit()).ExitCode, 137);
  assert.equal(alive(pid), false);
  await s.terminate();
});

test('emulator survival: ShouldTerminateOnLastHandleClosed terminates when the last handle goes', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const p2 = await createEmulatorPlatform({ stateDir: join(env.dir, 'state') });
  const s = await p2.compute.createComputeSystem('tlh', { Container: {}, ShouldTerminateOnLastHandleClosed: true });
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sleep 60' });
  const watcher = await env.platform.compute.openComputeSystem('tlh');
  const exited = watcher.waitExit();
  await p2.close(); // connection gone, but `watcher` still holds a handle
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(alive(pr.pid));
  watcher.close();
  await until(() => !alive(pr.pid));
  void exited.catch(() => undefined);
});

test('emulator survival: a restarted service re-adopts running processes', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('re', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sleep 60' });
  const done = await s.createProcess({ CommandLine: 'sh -c "exit 5"' });
  assert.equal((await done.waitExit()).ExitCode, 5);
  const oldPid = await env.platform.servicePid();
  const waiting = pr.waitExit();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  assert.ok(alive(pr.pid), 'the process outlives the service');
  // The client reconnects by itself, spawning a new service that reloads its records.
  const s2 = await env.platform.compute.openComputeSystem('re');
  assert.notEqual(await env.platform.servicePid(), oldPid);
  assert.equal((await s2.getProperties()).State, 'Running');
  const pr2 = await s2.openProcess(pr.pid);
  assert.equal((await pr2.getProperties()).Exited, false);
  assert.equal((await (await s2.openProcess(done.pid)).getProperties()).ExitCode, 5);
  await pr2.terminate();
  // The service cannot collect its status after re-adoption: an isolated process's namespace helper wrote it
  // (SIGKILL: 137); without the helper it is 255 with HCS_E_PROCESS_INFO_NOT_AVAILABLE.
  const st = await waiting;
  const helper = (await env.platform.compute.getServiceProperties() as { Isolation?: { Launcher?: { Kind: string } } }).Isolation?.Launcher?.Kind === 'helper';
  assert.deepEqual(st, helper ? { ProcessId: pr.pid, Exited: true, ExitCode: 137, LastWaitResult: 0 }
    : { ProcessId: pr.pid, Exited: true, ExitCode: 255, LastWaitResult: HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE | 0 });
  assert.match(readFileSync(join(stateDir, 'service.log'), 'utf8'), /re-adopted process/);
  // New processes work as before on the restarted service.
  const echo = await s2.createProcess({ CommandLine: 'echo again', CreateStdOutPipe: true });
  assert.equal(await readAll(echo.stdio.stdout), 'again\n');
});

void fileURLToPath;
