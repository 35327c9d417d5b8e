/**
 * A hosted system while its utility VM is paused (hosted-pause.ts): the VM's pause freezes it (its cgroup nests in
 * the VM's), and it shows so — Paused, where it said Running — refuses what needs it running (a new process, a
 * pause or resume of its own) with HCS_E_INVALID_STATE instead of hanging, and terminate still ends it, its frozen
 * processes too, while the VM stays paused. Its sibling runs again when the VM is resumed. Needs root, isolation and
 * a freezer (v1 hierarchy or v2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, readAll, until, alive, rejectsWith } from './helpers.js';
import { startedVm } from './vm-docs.js';
import { freezeStateOf, freezerSkip } from './paused-probe.js';

const skip = freezerSkip();

test('while its VM is paused a hosted system shows Paused, refuses what needs it running, and terminate ends it', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const { compute } = env.platform;
  const { vm, hosted: [a, b] } = await startedVm(env, 'pz@vm', ['pz-a', 'pz-b']);
  const sleeper = await a.createProcess({ CommandLine: 'sleep 600' });

  await vm.pause();
  assert.equal(freezeStateOf(sleeper.pid), 'frozen', 'the VM\'s pause froze its hosted system');
  assert.equal((await a.getProperties()).State, 'Paused', 'a hosted system\'s state follows its VM');
  assert.equal((await b.getProperties()).State, 'Paused');
  const listed = await compute.enumerateComputeSystems({ Ids: ['pz-a'] });
  assert.equal(listed[0]?.State, 'Paused', 'enumeration says the same');
  await rejectsWith(a.createProcess({ CommandLine: 'true' }), 'HCS_E_INVALID_STATE');
  await rejectsWith(a.pause(), 'HCS_E_INVALID_STATE');
  await rejectsWith(a.resume(), 'HCS_E_INVALID_STATE');

  await a.terminate();
  assert.deepEqual(await a.waitExit(), { Status: 0, ExitType: 'ForcedExit' });
  assert.equal((await a.getProperties()).State, 'Stopped');
  await until(() => !alive(sleeper.pid), 10_000); // ended though its VM is still paused
  assert.equal((await vm.getProperties()).State, 'Paused');

  await vm.resume();
  assert.equal((await b.getProperties()).State, 'Running');
  const echo = await b.createProcess({ CommandLine: 'echo awake', CreateStdOutPipe: true });
  assert.equal(await readAll(echo.stdio.stdout), 'awake\n', 'the sibling runs again with its VM');
  await vm.terminate();
});
