/**
 * A system paused when its service was killed, whose holder then died (its namespaces and processes with it): the
 * next service rebuilds its namespaces and pauses it again (rebuilt-pause.ts), as HCS keeps a paused system paused
 * across a restart of the compute service. Was: recorded Paused, its rebuilt cgroup not frozen. Resume then runs it,
 * and terminate ends it. Needs root, isolation and a freezer (v1 hierarchy or v2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, another, containerDoc, readAll, until, alive } from './helpers.js';
import { freezeStateOf, freezerSkip } from './paused-probe.js';
import { freezerOf, setFrozen } from '../../../../src/platform/emulator/service/cgroup-freeze.js';
import { recordsFile } from '../../../../src/platform/emulator/protocol.js';
import type { SystemRecord } from '../../../../src/platform/emulator/service/records.js';

const skip = freezerSkip();

const record = (stateDir: string, id: string): SystemRecord =>
  (JSON.parse(readFileSync(recordsFile(stateDir, 'systems'), 'utf8')) as SystemRecord[]).find((r) => r.id === id)!;

test('a paused system whose holder died while the service was down is rebuilt paused (frozen), and resumes', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('lost', containerDoc());
  await s.start();
  await s.pause();
  const old = await env.platform.servicePid();
  await env.platform.close(); // the client goes first: it would start a new service on its own
  process.kill(old, 'SIGKILL');
  await until(() => !alive(old));

  // With the service down, the holder dies (SIGKILL is held pending in a frozen v1 cgroup: thawed for it).
  const before = record(stateDir, 'lost');
  assert.equal(before.state, 'Paused');
  const holder = before.holder!.pid;
  process.kill(holder, 'SIGKILL');
  setFrozen(freezerOf(before.isolation!.cgroup)!, false);
  await until(() => !alive(holder), 10_000);

  const next = await another(env);
  const s2 = await next.compute.openComputeSystem('lost');
  assert.equal((await s2.getProperties()).State, 'Paused', 'a paused system stays paused across the restart');
  const after = record(stateDir, 'lost');
  assert.notEqual(after.holder?.pid, holder, 'its namespaces were rebuilt with a new holder');
  assert.equal(freezeStateOf(after.holder!.pid), 'frozen', 'the rebuilt system is frozen, as its record says');

  await s2.resume();
  assert.equal(freezeStateOf(after.holder!.pid), 'thawed');
  const echo = await s2.createProcess({ CommandLine: 'echo rebuilt', CreateStdOutPipe: true });
  assert.equal(await readAll(echo.stdio.stdout), 'rebuilt\n', 'the resumed system runs programs');
  await s2.pause();
  await s2.terminate();
  assert.equal((await s2.getProperties()).State, 'Stopped');
  await until(() => !alive(after.holder!.pid));
});
