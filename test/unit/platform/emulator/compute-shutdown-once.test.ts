/**
 * A shutdown of a system already shutting down sends no second SIGTERM (the IO keeper's ask, then the daemon's, then
 * StopContainer's): a program that takes a second TERM as "quit now" keeps its graceful stop. The program traps
 * TERM and prints a line per TERM; a line on its stdin, written after the shutdowns, is echoed only after every TERM
 * sent before it was handled (pending signals run their traps before the read returns).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, containerDoc, until, put } from './helpers.js';

test('emulator compute: a repeated shutdown does not signal again', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('once', containerDoc());
  await s.start();
  const pr = await s.createProcess({
    CommandLine: `sh -c "trap 'echo term' TERM; echo ready; while :; do if read l; then echo got-$l; fi; done"`,
    CreateStdInPipe: true, CreateStdOutPipe: true,
  });
  let out = '';
  pr.stdio.stdout!.setEncoding('utf8');
  pr.stdio.stdout!.on('data', (d: string) => { out += d; });
  await until(() => out.includes('ready'));

  await s.shutdown();
  await until(() => out.includes('term'));
  // Asked again (each after the first TERM was handled, so signals cannot merge): answered, nothing sent.
  await s.shutdown();
  await s.shutdown();
  await put(pr.stdio.stdin!, 'x\n');
  await until(() => out.includes('got-x'));
  assert.equal(out.split('\n').filter((l) => l === 'term').length, 1, `one TERM: ${JSON.stringify(out)}`);
  assert.equal((await s.getProperties()).State, 'Running', 'the program that trapped TERM still runs');
  await s.terminate();
});
