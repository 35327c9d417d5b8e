/**
 * The emulator service killed between the namespace helper's start of a program and the save of its process
 * record (held there by a delay fault at the `HcsCreateProcess:started` checkpoint): the restarted service finds
 * the launch by its persisted intent (launch-intents.ts) and kills what it started, so no program runs that no
 * record owns; its pipes, spills and status file are swept; the system goes on working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, containerDoc, readAll, until } from './helpers.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { readStat, allPids } from '../../../../src/platform/emulator/service/procfs.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here (the namespace helper launches): ${facts.Reason}`;

const running = (pid: number) => { const st = readStat(pid); return !!st && st.state !== 'Z' && st.state !== 'X'; };
/** The program: `sleep MARKER` (argv[0] as the helper resolved it in the container). */
const sleeping = (marker: string) => allPids().filter((p) => {
  try { return /^(\/.*\/)?sleep$/.test(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0]!) && readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[1] === marker; } catch { return false; }
});
const files = (dir: string) => { try { return readdirSync(dir); } catch { return []; } };

test('service killed after the helper started a program and before its record was saved: the program is killed at restart', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const s = await env.platform.compute.createComputeSystem('window', containerDoc());
  await s.start();
  await env.platform.injectFault('HcsCreateProcess:started', 0, 1, 600_000);
  const marker = String(100_000 + Math.floor(Math.random() * 800_000));
  const creating = s.createProcess({ CommandLine: `sleep ${marker}`, CreateStdOutPipe: true, CreateStdErrPipe: true });
  creating.catch(() => undefined);
  const log = () => readFileSync(join(stateDir, 'service.log'), 'utf8');
  await until(() => log().includes('fault fired: HcsCreateProcess:started'), 30_000);
  const [prog] = sleeping(marker);
  assert.ok(prog && running(prog), 'the program runs, its record not saved yet');
  assert.equal(files(join(stateDir, 'stdio')).filter((f) => f.endsWith('.out')).length, 1, 'its output pipe exists');

  const old = await env.platform.servicePid();
  process.kill(old, 'SIGKILL');
  await until(() => !running(old));
  await assert.rejects(creating, 'the caller never got a pid');
  assert.ok(running(prog), 'the program outlived the service (the window is real)');

  // The client reconnects, spawning a service that loads the records and the intent left behind.
  const s2 = await env.platform.compute.openComputeSystem('window');
  assert.notEqual(await env.platform.servicePid(), old);
  await until(() => !running(prog), 10_000);
  assert.match(log(), /killed 1 process\(es\) of launches the previous service did not complete/);
  assert.deepEqual(sleeping(marker), [], 'nothing of the launch runs');
  const helpers = allPids().filter((p) => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`sleep\0${marker}`); } catch { return false; } });
  assert.deepEqual(helpers, [], 'its helper is gone too');
  assert.deepEqual(files(join(stateDir, 'stdio')).filter((f) => /\.(out|err|spill)$/.test(f)), [], 'its pipes and spills are swept');
  assert.deepEqual(files(join(stateDir, 'exits')), [], 'its status file is swept');
  assert.deepEqual(JSON.parse(readFileSync(join(stateDir, 'records', 'launches.json'), 'utf8')), []);
  assert.equal((await s2.getProperties()).State, 'Running');
  const echo = await s2.createProcess({ CommandLine: 'echo again', CreateStdOutPipe: true });
  assert.equal(await readAll(echo.stdio.stdout), 'again\n');
  await s2.terminate();
});
