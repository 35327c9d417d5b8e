/** The bench's numeric flags: numFlag takes any non-negative number, intFlag (counts) integers only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intFlag, numFlag } from '../../../bench/lib/flags.js';

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
