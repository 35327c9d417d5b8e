/**
 * CreateProcessOptions.onCreated on the emulator: told the pid before the pipes are connected; when it throws,
 * createProcess rejects with its error and the process it made is terminated (nobody would own it otherwise).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, containerDoc } from './helpers.js';

test('emulator compute: onCreated is told the pid createProcess returns', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('oc', containerDoc());
  t.after(() => s.close());
  await s.start();
  const told: number[] = [];
  const p = await s.createProcess({ CommandLine: 'sleep 30', CreateStdOutPipe: true }, {
    ackedOutput: true, onCreated: (c) => { told.push(c.pid); assert.equal(c.ackedOutput, true); },
  });
  assert.deepEqual(told, [p.pid]);
  p.close();
  await s.terminate();
});

test('emulator compute: an onCreated that throws fails createProcess and terminates the process', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('oc2', containerDoc());
  t.after(() => s.close());
  await s.start();
  let pid: number | undefined;
  await assert.rejects(s.createProcess({ CommandLine: 'sleep 30', CreateStdOutPipe: true, CreateStdErrPipe: true }, {
    ackedOutput: true, onCreated: (c) => { pid = c.pid; throw new Error('caller record failed'); },
  }), /caller record failed/);
  assert.ok(pid !== undefined, 'onCreated was called');
  // The process was terminated: its exit is there to be waited for (sleep 30 would otherwise outlive the test).
  const p = await s.openProcess(pid);
  t.after(() => p.close());
  const status = await p.waitExit();
  assert.notEqual(status.ExitCode, 0, 'terminated, not exited on its own');
  await s.terminate();
});
