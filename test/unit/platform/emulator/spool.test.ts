/**
 * The namespace helper as the program's waiter spools its stdout/stderr to spill files (ns-helper-spool-source.ts)
 * and the service relays those files (spool-relay.ts): a descendant that keeps a pipe open delays the stream's end
 * but not the exit, and a slow reader makes the program block with at most the window on disk, nothing dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setup, containerDoc, readAll, until } from './helpers.js';
import { isolationFacts } from '../../../../src/platform/emulator/service/isolation.js';
import { SPOOL_READ, SPOOL_WINDOW, spillBytes } from '../../../../src/platform/emulator/service/spill.js';

const facts = isolationFacts();
const skip = facts.Enabled ? false : `no isolation here: ${facts.Reason}`;

test('spool: the exit is reported while a descendant still holds stdout; its later output follows, then the end', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('linger', containerDoc());
  await s.start();
  const pr = await s.createProcess({
    CommandLine: 'sh -c "echo a; (while [ ! -e /go ]; do sleep 0.05; done; echo b; echo c >&2) & exit 3"',
    CreateStdOutPipe: true, CreateStdErrPipe: true,
  });
  let ended = false;
  const out = readAll(pr.stdio.stdout).then((o) => { ended = true; return o; });
  const err = readAll(pr.stdio.stderr);
  assert.equal((await pr.waitExit()).ExitCode, 3);
  assert.equal(ended, false, 'stdout is still open (the background shell holds it)');
  writeFileSync(join(env.dir, 'state', 'roots', 'linger', 'go'), '');
  assert.equal(await out, 'a\nb\n');
  assert.equal(await err, 'c\n');
  await s.terminate();
});

test('spool: a reader that stops makes the program block with at most the window on disk; then every line arrives in order', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('slow', containerDoc());
  await s.start();
  const N = 1_000_000; // ~6.9 MB: far more than the window and every socket buffer on the way
  const pr = await s.createProcess({ CommandLine: `seq 1 ${N}`, CreateStdOutPipe: true });
  const stdout = pr.stdio.stdout as Readable;
  stdout.pause();
  const stdio = join(env.dir, 'state', 'stdio');
  const spilled = () => readdirSync(stdio).filter((f) => f.endsWith('.out')).reduce((n, f) => n + spillBytes(join(stdio, f)), 0);
  // The waiter fills its window and stops reading: the program is blocked, not finished.
  await until(() => spilled() >= SPOOL_WINDOW, 30_000);
  assert.equal((await pr.getProperties()).Exited, false, 'the program waits for room');
  assert.ok(spilled() <= SPOOL_WINDOW + SPOOL_READ, `on disk: ${spilled()} bytes`);
  const all = readAll(stdout);
  stdout.resume();
  const text = await all;
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, N);
  assert.ok(lines.every((l, i) => l === String(i + 1)), 'every line once, in order');
  assert.equal((await pr.waitExit()).ExitCode, 0);
  await until(() => spilled() === 0, 10_000);
  await s.terminate();
});
