/**
 * A spooled stdin (service/stdin-spool.ts, fed by the namespace helper's waiter: stdin-feed-source.ts) keeps the
 * semantics of a pipe: a program that stops reading and exits releases a writer blocked on the full window (its
 * later writes go nowhere, as into a pipe nobody reads), and a client's end is the program's end of file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, containerDoc, readAll, noIsolation, put } from './helpers.js';

const skip = noIsolation();

test('stdin spool: a program that exits unread releases a writer held by the full window', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('quit', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sh -c "head -n 1"', CreateStdInPipe: true, CreateStdOutPipe: true });
  const out = readAll(pr.stdio.stdout);
  const stdin = pr.stdio.stdin!;
  const chunk = 'x'.repeat(64 * 1024 - 1) + '\n';
  // Far beyond the client's and the service's windows: every write completes once the program is gone.
  for (let i = 0; i < 64; i++) await put(stdin, chunk);
  assert.equal((await pr.waitExit()).ExitCode, 0);
  assert.equal(await out, chunk);
  await new Promise<void>((res) => stdin.end(res));
  await s.terminate();
});

test('stdin spool: the end comes only with the client\'s end, after every byte', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('wc', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'wc -c', CreateStdInPipe: true, CreateStdOutPipe: true });
  const out = readAll(pr.stdio.stdout);
  const stdin = pr.stdio.stdin!;
  for (let i = 0; i < 40; i++) await put(stdin, 'y'.repeat(100_000));
  assert.equal((await pr.getProperties()).Exited, false, 'wc still reads');
  await new Promise<void>((res) => stdin.end(res));
  assert.equal((await pr.waitExit()).ExitCode, 0);
  assert.equal((await out).trim(), '4000000');
  await s.terminate();
});
