/** The bench's numeric flags: numFlag takes any non-negative number, intFlag (counts) integers only, chaos's and soak's counts included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intFlag, numFlag } from '../../../bench/lib/flags.js';
import { chaosOptionsFromArgv } from '../../../bench/chaos/main.js';
import { soakOptionsFromArgv } from '../../../bench/soak/main.js';

function withArgv<T>(args: string[], f: () => T): T {
  const saved = process.argv;
  process.argv = [saved[0]!, saved[1]!, ...args];
  try { return f(); } finally { process.argv = saved; }
}

test('intFlag: the default when absent, the integer given, a fraction or a negative refused', () => {
  assert.equal(withArgv([], () => intFlag('restarts', 5)), 5);
  assert.equal(withArgv(['--restarts', '7'], () => intFlag('restarts', 5)), 7);
  assert.equal(withArgv(['--restarts', '2.5'], () => numFlag('restarts', 5)), 2.5);
  assert.throws(() => withArgv(['--restarts', '2.5'], () => intFlag('restarts', 5)), /--restarts needs a non-negative integer/);
  assert.throws(() => withArgv(['--restarts', '-1'], () => intFlag('restarts', 5)), /--restarts needs a non-negative/);
});

test('chaos and soak take their rounds and pods as whole numbers (read before anything starts)', () => {
  assert.deepEqual(withArgv(['--rounds', '3', '--pods', '7'], () => { const o = chaosOptionsFromArgv(); return [o.rounds, o.pods]; }), [3, 7]);
  assert.throws(() => withArgv(['--rounds', '2.5'], chaosOptionsFromArgv), /--rounds needs a non-negative integer/);
  assert.throws(() => withArgv(['--pods', '1.5'], chaosOptionsFromArgv), /--pods needs a non-negative integer/);
  assert.deepEqual(withArgv(['--minutes', '0.5', '--pods', '2'], () => { const o = soakOptionsFromArgv(); return [o.minutes, o.pods, o.heapOf, o.snapshotsAt]; }), [0.5, 2, undefined, []]);
  assert.deepEqual(withArgv(['--heap-of', 'emulator', '--snapshots', '3,20'], () => { const o = soakOptionsFromArgv(); return [o.heapOf, o.snapshotsAt]; }), ['emulator', [3, 20]]);
  assert.throws(() => withArgv(['--heap-of', 'kubelet'], soakOptionsFromArgv), /--heap-of: unknown process "kubelet"/);
  assert.throws(() => withArgv(['--pods', '1.5'], soakOptionsFromArgv), /--pods needs a non-negative integer/);
});
