/**
 * The stop-time kill of a job's cgroup (cgroup-kill.ts): on v2 the kernel kills the members at once through
 * cgroup.kill, no pid is read and signalled later; without cgroup.kill, the group is frozen around the kill and
 * thawed after. Driven on a directory shaped like a v2 cgroup (its member: a child process of this test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killCgroup } from '../../../../../src/platform/emulator/service/cgroup-kill.js';

test('cgroup kill: v2 with cgroup.kill writes it and signals no pid', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cgkill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  writeFileSync(join(dir, 'cgroup.procs'), `${child.pid}\n`);
  writeFileSync(join(dir, 'cgroup.kill'), '');
  assert.equal(killCgroup({ version: 2, dirs: [dir] }), 'kill');
  assert.equal(readFileSync(join(dir, 'cgroup.kill'), 'utf8'), '1');
  assert.equal(child.exitCode ?? child.signalCode, null, 'the member was not signalled by pid');
});

test('cgroup kill: v2 without cgroup.kill freezes, kills the members, thaws', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cgkill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = new Promise<string | null>((res) => child.once('exit', (_c, sig) => res(sig)));
  writeFileSync(join(dir, 'cgroup.procs'), `${child.pid}\n`);
  writeFileSync(join(dir, 'cgroup.freeze'), '0');
  assert.equal(killCgroup({ version: 2, dirs: [dir] }), 'frozen');
  assert.equal(await exited, 'SIGKILL');
  assert.equal(readFileSync(join(dir, 'cgroup.freeze'), 'utf8'), '0', 'thawed after the kill');
});
