/**
 * A spool nobody will read again ends (ns-helper-spool-source.ts, spool_abandoned): the program's output filled the
 * spool window unread, so the copy of the namespace helper that spools on after the program's exit is stalled;
 * once the service drops the process (its system stopped and forgotten: the doorbell FIFO is removed) the stalled
 * copy ends instead of waiting for room forever, and no file of the stream is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setup, containerDoc, until } from './helpers.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { SPOOL_WINDOW, spillBytes } from '../../../../src/platform/emulator/service/spill.js';
import { allPids, readArgv, readStat } from '../../../../src/platform/emulator/service/procfs.js';
import { helperPrefix } from '../../../../src/platform/emulator/service/helper-orphans.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here (the namespace helper spools output): ${facts.Reason}`;

const running = (pid: number) => { const st = readStat(pid); return !!st && st.state !== 'Z' && st.state !== 'X'; };
/** The service's namespace helpers in `enter` mode (a program's waiter, or the copy that spools on). */
const spoolers = (stateDir: string) => allPids().filter((p) => {
  const argv = readArgv(p);
  return !!argv?.[0]?.startsWith(helperPrefix(stateDir)) && argv[1] === 'enter' && running(p);
});

test('spool: a stalled spool whose doorbell the service removed ends; its helper does not wait for room forever', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const stateDir = join(env.dir, 'state');
  const stdio = join(stateDir, 'stdio');
  const s = await env.platform.compute.createComputeSystem('unread', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'seq 1 1000000', CreateStdOutPipe: true });
  (pr.stdio.stdout as Readable).pause(); // nobody reads: the spool fills its window and stalls
  const spilled = () => readdirSync(stdio).filter((f) => f.endsWith('.out')).reduce((n, f) => n + spillBytes(join(stdio, f)), 0);
  await until(() => spilled() >= SPOOL_WINDOW, 30_000);
  assert.equal((await pr.getProperties()).Exited, false, 'the program is blocked on its full spool');

  await s.terminate();
  assert.ok(spoolers(stateDir).length > 0, 'the stalled spool outlives the program (the copy waits for room)');
  (pr.stdio.stdout as Readable).destroy();
  pr.close();
  s.close();
  // The last handle gone, the stopped system is forgotten: its doorbell FIFOs and spills are removed.
  await until(() => readdirSync(stdio).every((f) => !/\.out$/.test(f)), 10_000);
  await until(() => spoolers(stateDir).length === 0, 10_000);
  assert.deepEqual(readdirSync(stdio).filter((f) => /\.(out|spill)$/.test(f)), [], 'nothing of the stream is left');
});
