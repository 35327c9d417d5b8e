/** The last-resort policy: a stray rejection or exception is logged with its stack, counted, and the process goes on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
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

test('exitFatally: writes why through the policy\'s writer, runs the cleanup hooks, ends the process at once with 70', () => {
  const script = `
    const { installLastResort, onFatalExit, exitFatally } = await import(${JSON.stringify(MODULE)});
    installLastResort('test', (t) => process.stderr.write('written: ' + t + '\\n'));
    onFatalExit(() => process.stderr.write('hook 1\\n'));
    onFatalExit(() => { throw new Error('a failing hook'); });
    onFatalExit(() => process.stderr.write('hook 3\\n'));
    setImmediate(() => process.stdout.write('still running'));
    exitFatally('main thread stuck in a pod namespace');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 70);
  assert.equal(r.stdout, '', 'nothing ran after it');
  assert.equal(r.stderr, 'written: fatal, exiting: main thread stuck in a pod namespace\nhook 1\nhook 3\n');
});
