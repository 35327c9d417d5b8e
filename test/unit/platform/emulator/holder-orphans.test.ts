/**
 * Namespace holders no record owns (helper-orphans.ts): a system terminated while its start was building its
 * namespaces ends with no holder left; a holder started from the service's own helper binary that no system owns
 * is ended when the service loads its records and when it is told to stop, while the holders of running systems
 * are left alone. The service answers only once every process of a stray it killed has exited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, another, containerDoc, readAll, until } from './helpers.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { allPids, readArgv, readStat } from '../../../../src/platform/emulator/service/procfs.js';
import { helperPrefix } from '../../../../src/platform/emulator/service/helper-orphans.js';
import { stopEmulatorService } from '../../../../src/platform/emulator/service-stop.js';
import { holdFrozen } from './hold-frozen.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;

const running = (pid: number) => { const st = readStat(pid); return !!st && st.state !== 'Z' && st.state !== 'X'; };
/** Live `holder` processes started from the service's helper binary (each holder and its waiting parent), sorted. */
function holders(stateDir: string): number[] {
  return allPids().filter((pid) => {
    const argv = readArgv(pid);
    return argv?.[0]?.startsWith(helperPrefix(stateDir)) && argv[1] === 'holder' && running(pid);
  }).sort((a, b) => a - b);
}

/** Starts the service's helper binary as a holder of an empty root, as a killed service would have left one. */
async function strayHolder(stateDir: string, dir: string): Promise<number> {
  const bin = readdirSync(join(stateDir, 'bin')).find((n) => /^wincri-ns-[0-9a-f]+$/.test(n));
  assert.ok(bin, 'the helper is built');
  const root = join(dir, 'stray-root');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(dir, 'stray.mounts'), '');
  const p = spawn(join(stateDir, 'bin', bin), ['holder', '-r', root, '-m', join(dir, 'stray.mounts')], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  p.unref();
  let out = '';
  for await (const b of p.stdout!) { out += String(b); if (/ready\n/.test(out)) break; }
  p.stdout!.destroy();
  const pid = Number(/^(\d+)\n/.exec(out)?.[1]);
  assert.ok(pid && running(pid), `the stray holder runs (${out})`);
  return pid;
}

test('a system terminated while its start builds its namespaces leaves no holder behind', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('racing', containerDoc());
  await env.platform.injectFault('HcsStartComputeSystem:holder', 0, 1, 600_000);
  const starting = s.start();
  starting.catch(() => undefined);
  await until(() => readFileSync(join(stateDir, 'service.log'), 'utf8').includes('fault fired: HcsStartComputeSystem:holder'), 30_000);
  assert.equal(holders(stateDir).length, 2, 'the start has built its holder (and the helper waits for it)');
  await s.terminate();
  await env.platform.clearFaults('HcsStartComputeSystem:holder'); // the held start goes on
  await assert.rejects(starting, /stopped while it was starting/);
  assert.equal((await s.getProperties()).State, 'Stopped');
  await until(() => holders(stateDir).length === 0, 10_000);
});

test('holders no system owns are ended at service start and at stopService; owned ones are left alone', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('owned', containerDoc());
  await s.start();
  const owned = holders(stateDir);
  assert.equal(owned.length, 2, 'the running system has its holder (and the helper waiting for it)');

  // A service killed with a holder it never recorded: the next one ends it and keeps the system's. (The client
  // goes first: it would start a new service on its own, perhaps before the stray exists.)
  const old = await env.platform.servicePid();
  await env.platform.close();
  process.kill(old, 'SIGKILL');
  await until(() => !running(old));
  const stray = await strayHolder(stateDir, env.dir);
  // Held frozen (v1), the stray's processes outlive their SIGKILL until thawed: the service must not answer before
  // they are gone. They are thawed once it says it waits for them (or, wrongly, has answered).
  const held = await holdFrozen(holders(stateDir).filter((p) => !owned.includes(p)), 'held-strays');
  const log = () => readFileSync(join(stateDir, 'service.log'), 'utf8');
  let atAnswer: number[] | undefined;
  const opening = another(env).then(async (next) => {
    const s2 = await next.compute.openComputeSystem('owned');
    atAnswer = holders(stateDir);
    return { next, s2 };
  });
  if (held) {
    await until(() => /waiting for \d+ killed namespace helper/.test(log()) || atAnswer !== undefined, 60_000);
    held.thaw();
  }
  const { next, s2 } = await opening;
  assert.deepEqual(atAnswer, owned, 'when the new service first answered, every process of the stray was gone and the owned holder ran on');
  assert.ok(!running(stray));
  assert.notEqual(await next.servicePid(), old, 'a new service loaded the records');
  assert.match(log(), /killed \d+ namespace helper process\(es\) no compute system owns/);
  const echo = await s2.createProcess({ CommandLine: 'echo still', CreateStdOutPipe: true });
  assert.equal(await readAll(echo.stdio.stdout), 'still\n', 'the owned system works');

  // A stray one while the service runs: stopService ends it with the systems it terminates.
  const stray2 = await strayHolder(stateDir, env.dir);
  await next.close();
  await stopEmulatorService(stateDir);
  assert.deepEqual(holders(stateDir), [], 'no holder is left');
  assert.ok(!running(stray2));
  assert.equal(readFileSync(join(stateDir, 'service.log'), 'utf8').match(/no compute system owns/g)?.length, 2, 'the service itself swept it at stopService');
});

test('stopping a killed service of a state dir keeps its running systems; removing the dir ends their holders', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('left', containerDoc());
  await s.start();
  assert.equal(holders(stateDir).length, 2, 'the system has its holder');
  // Killed (a test's stop timing out, a crash): running systems are left running by design, to be re-adopted.
  // (The client goes first: it would start a new service on its own.)
  const old = await env.platform.servicePid();
  await env.platform.close();
  process.kill(old, 'SIGKILL');
  await until(() => !running(old));
  assert.equal(holders(stateDir).length, 2, 'the holder outlived its service');
  // `wincri shutdown` with the service down: the running system's holder is owned by its record, left for the next
  // service to re-adopt (killing it would kill the container).
  await stopEmulatorService(stateDir);
  assert.equal(holders(stateDir).length, 2, 'the owned holder still runs');
  await stopEmulatorService(stateDir, { removingStateDir: true }); // what the dead one left is ended here
  assert.deepEqual(holders(stateDir), [], 'nothing would be left running once the state dir is removed');
});
