/**
 * The exits of the emulator's posix_spawn children (vfork-child.ts): a child still running is looked at again and
 * reported when it ends; one that can no longer be waited for (reaped by someone else: waitpid says ECHILD) is
 * reported exited with status unknown, instead of being looked for in vain on every SIGCHLD (was: never reported,
 * its process record running for good and, ref'd, the service's event loop held open).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vforkSpawn, type VforkChild } from '../../../../../src/platform/emulator/service/vfork-spawn.js';
import { vforkLibc } from '../../../../../src/platform/emulator/service/vfork-libc.js';

const available = vforkSpawn('/bin/true', [], { stdio: ['ignore', 'ignore', 'ignore'] }) !== null;
const skip = !available && 'no posix_spawn (koffi/glibc)';

/** The child's exit as reported; a bound on the wait, not a timing assertion: without a report none ever comes. */
function exited(c: VforkChild): Promise<[number | null, string | null]> {
  return new Promise((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`no exit reported for child ${c.pid}`)), 20_000);
    c.once('exit', (code: number | null, sig: string | null) => { clearTimeout(bound); resolve([code, sig]); });
  });
}
const spawned = (c: VforkChild) => new Promise<void>((r) => c.once('spawn', () => r()));

test('a running child is looked at again until it ends; its status is the one it ended with', { skip }, async () => {
  const c = vforkSpawn('/bin/sh', ['-c', 'read x; exit 5'], { stdio: ['pipe', 'ignore', 'ignore'] })!;
  await spawned(c);
  // Other children come and go meanwhile (each SIGCHLD looks at this one too, still running).
  for (let i = 0; i < 3; i++) await exited(vforkSpawn('/bin/true', [], { stdio: ['ignore', 'ignore', 'ignore'] })!);
  assert.equal(c.exitCode, null, 'not reported while it runs');
  c.stdin!.end('go\n');
  assert.deepEqual(await exited(c), [5, null]);
});

test('a child reaped by someone else (ECHILD) is reported exited with status unknown, not looked for forever', { skip }, async () => {
  const lc = vforkLibc()!;
  const c = vforkSpawn('/bin/sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore'] })!;
  await spawned(c);
  // Killed and waited for in this very turn: the service's look (after 'spawn', and on SIGCHLD) comes later and
  // finds no such child.
  process.kill(c.pid, 'SIGKILL');
  assert.equal(lc.waitpid(c.pid, Buffer.alloc(4), 0), c.pid);
  assert.deepEqual(await exited(c), [255, null]);
  assert.equal(c.kill('SIGKILL'), false, 'and never signalled again');
});
