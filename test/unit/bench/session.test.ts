/**
 * The bench starts each runtime in a session of its own (bench/lib/session.ts): a child spawned with OWN_SESSION
 * leads a new session, one spawned plainly stays in the bench's; sessionOf reads /proc, comm with spaces included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, symlinkSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { OWN_SESSION, sessionOf, describeSessions } from '../../../bench/lib/session.js';

/** The child's pid, set by spawn() itself once the process exists. */
function started(child: ChildProcess): number {
  assert.ok(child.pid !== undefined, 'the child did not start');
  return child.pid;
}

async function stop(child: ChildProcess): Promise<void> {
  const gone = once(child, 'exit');
  child.kill('SIGKILL');
  await gone;
}

test('OWN_SESSION: the child leads a session of its own; a plain child shares the spawner\'s', async () => {
  const mine = sessionOf(process.pid);
  assert.ok(mine !== undefined);
  const own = spawn('sleep', ['30'], { stdio: 'ignore', ...OWN_SESSION });
  const plain = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const ownPid = started(own);
    const plainPid = started(plain);
    assert.equal(sessionOf(ownPid), ownPid);
    assert.equal(sessionOf(plainPid), mine);
    const line = describeSessions([{ name: 'apart', pids: () => [ownPid] }, { name: 'together', pids: () => [plainPid] }]);
    assert.match(line, /sharing the client's session \(and scheduling group\): together$/);
    assert.match(describeSessions([{ name: 'apart', pids: () => [ownPid] }]), /each runtime in a session of its own$/);
  } finally {
    await stop(own);
    await stop(plain);
  }
});

test('sessionOf: a command name with spaces and parentheses; undefined for a process that is gone', async () => {
  // The kernel names a process after the file it executed: a link named "a b) (c" to sleep.
  const dir = mkdtempSync(join(tmpdir(), 'wincri-session-'));
  const link = join(dir, 'a b) (c');
  symlinkSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), link);
  const odd = spawn(link, ['30'], { stdio: 'ignore', ...OWN_SESSION });
  try {
    const pid = started(odd);
    assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /^\d+ \(a b\) \(c\) /);
    assert.equal(sessionOf(pid), pid);
  } finally {
    await stop(odd);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(sessionOf(2 ** 30), undefined);
});
