/** The last-resort policy: a stray rejection or exception is logged with its stack, counted, and the process goes on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../../src/util/last-resort.js', import.meta.url));

test('a process with the policy survives an unhandled rejection and an uncaught exception, logs both with stacks and counts them', () => {
  const script = `
    const { installLastResort, lastResortCounts } = await import(${JSON.stringify(MODULE)});
    installLastResort('test');
    installLastResort('test'); // idempotent: one report per event
    Promise.reject(new Error('stray rejection'));
    setImmediate(() => { throw new Error('stray exception'); });
    // Still running afterwards: report the counts from a later turn of the event loop.
    setImmediate(() => setImmediate(() => { console.log(JSON.stringify(lastResortCounts())); }));
  `;
  let stderr = '';
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.deepEqual(JSON.parse(out.trim()), { unhandledRejection: 1, uncaughtException: 1 });
  // execFileSync only returns stderr on failure: run again capturing it.
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', script + 'setImmediate(() => setImmediate(() => setImmediate(() => process.exit(3))));'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    stderr = (e as { stderr: string }).stderr;
    assert.equal((e as { status: number }).status, 3, 'the process kept running until it chose to exit');
  }
  assert.match(stderr, /ERROR test: unhandled promise rejection \(a bug; kept running\): Error: stray rejection\n\s+at /);
  assert.match(stderr, /ERROR test: uncaught exception \(a bug; kept running\): Error: stray exception\n\s+at /);
  assert.equal(stderr.match(/stray rejection/g)?.length, 1);
});
