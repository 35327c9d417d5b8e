/**
 * Windows backend, reopenOutput: a process opened (not created) by a new owner gets its output pipes through
 * HcsGetProcessInfo — what a restarted IO keeper does on Windows. Runs against the fake computecore (fakehcs.c),
 * which hands a later opener duplicates of the output pipes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createWindowsPlatform } from '../../src/platform/windows/index.js';
import { buildFakeLibrary, fakeLibraries, FakeControls } from './fakelib.js';

const so = buildFakeLibrary();
const fake = new FakeControls(so);
const libs = fakeLibraries(so);

/** Reads until `want` has arrived (or the stream ends); resolves with everything read. */
function readUntil(s: Readable, want: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const done = () => { s.off('data', onData); s.off('end', done); s.pause(); resolve(got); };
    const onData = (d: Buffer) => { got += d.toString(); if (got.includes(want)) done(); };
    s.on('data', onData);
    s.on('end', done);
  });
}

test('ffi: reopenOutput — the opener of a running process takes over its stdout and stderr via HcsGetProcessInfo', async () => {
  const p = await createWindowsPlatform({ libraries: libs, host: { osVersion: '10.0.20348', architecture: 'amd64' } });
  fake.clearCalls();
  const id = `reopen-${randomUUID()}`;
  const sys = await p.compute.createComputeSystem(id, { SchemaVersion: { Major: 2, Minor: 1 }, Container: {} } as never);
  await sys.start();
  const proc = await sys.createProcess({
    CommandLine: 'sh -c "echo first; read go; echo second; echo err-second >&2"',
    CreateStdInPipe: true, CreateStdOutPipe: true, CreateStdErrPipe: true,
  });
  assert.equal(await readUntil(proc.stdio.stdout!, 'first\n'), 'first\n');
  // The first owner goes away with its output handles (a killed keeper); the process keeps running.
  proc.stdio.stdout!.destroy();
  proc.stdio.stderr!.destroy();

  const sys2 = await p.compute.openComputeSystem(id);
  const opened = await sys2.openProcess(proc.pid);
  const out = await opened.reopenOutput!();
  assert.ok(out.stdout && out.stderr, 'both output pipes handed over');
  assert.equal(out.stdin, undefined, 'stdin is not part of the output');
  assert.ok(fake.calls().some((c) => c.fn === 'HcsGetProcessInfo'));
  proc.stdio.stdin!.end('go\n');
  const [o, e] = await Promise.all([readUntil(out.stdout, 'never'), readUntil(out.stderr, 'never')]);
  assert.equal(o, 'second\n', 'stdout continues where the first owner stopped, and ends');
  assert.equal(e, 'err-second\n');
  const st = await opened.waitExit();
  assert.equal(st.ExitCode, 0);
  opened.close();
  proc.close();
  sys2.close();
  sys.close();
  await p.close();
});
