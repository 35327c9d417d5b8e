import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_MS, setLongTimeout, timerDelay } from '../../../src/util/long-timer.js';
import { sleep, within } from '../../../src/runtime/locks.js';

/** The delays handed to setTimeout while `fn` runs (the timers armed are cleared again). */
async function armedDelays(fn: () => Promise<void> | void): Promise<number[]> {
  const delays: number[] = [];
  const real = globalThis.setTimeout;
  const spy = mock.method(globalThis, 'setTimeout', ((cb: () => void, ms?: number) => { delays.push(ms ?? 0); return real(cb, ms); }) as typeof setTimeout);
  try { await fn(); } finally { spy.mock.restore(); }
  return delays;
}

test('within() and sleep() never hand setTimeout a delay it would cut to 1 ms', async () => {
  let end!: () => void;
  const never = new Promise<void>((r) => { end = r; });
  let result: boolean | undefined;
  const delays = await armedDelays(() => {
    void within(never, 2 ** 31 + 1000).then((r) => { result = r; });
    void sleep(40 * 24 * 3600 * 1000);
  });
  assert.ok(delays.length >= 2, `timers armed: ${delays.join(', ')}`);
  for (const d of delays) assert.ok(d >= 1 && d <= MAX_TIMER_MS, `delay ${d} is one setTimeout honours`);
  await new Promise((r) => setTimeout(r, 20)); // past the 1 ms a clamped timer would have run after
  assert.equal(result, undefined, 'within() has not timed out');
  end();
  await new Promise((r) => setImmediate(r));
  assert.equal(result, true, 'it answers when the promise settles (its timer cleared)');
});

test('setLongTimeout waits a delay past 2^31-1 ms in steps, then runs once; clear and refresh hold', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let fired = 0;
    const t = setLongTimeout(() => fired++, MAX_TIMER_MS + 5000);
    mock.timers.tick(MAX_TIMER_MS);
    assert.equal(fired, 0, 'not after the first step');
    mock.timers.tick(4999);
    assert.equal(fired, 0);
    mock.timers.tick(1);
    assert.equal(fired, 1, 'at the full delay');
    mock.timers.tick(3 * MAX_TIMER_MS);
    assert.equal(fired, 1, 'once');

    let idle = 0;
    const i = setLongTimeout(() => idle++, MAX_TIMER_MS + 10);
    mock.timers.tick(MAX_TIMER_MS);
    i.refresh(); // activity: the whole delay again from now
    mock.timers.tick(MAX_TIMER_MS);
    assert.equal(idle, 0, 'refresh started the delay again');
    mock.timers.tick(10);
    assert.equal(idle, 1);

    let cleared = 0;
    const c = setLongTimeout(() => cleared++, 2 * MAX_TIMER_MS);
    mock.timers.tick(MAX_TIMER_MS);
    c.clear();
    mock.timers.tick(2 * MAX_TIMER_MS);
    assert.equal(cleared, 0, 'cleared between steps');

    let short = 0;
    setLongTimeout(() => short++, 50);
    mock.timers.tick(49);
    assert.equal(short, 0);
    mock.timers.tick(1);
    assert.equal(short, 1, 'a usual delay is one timer');
    void t;
  } finally {
    mock.timers.reset();
  }
});

test('timerDelay caps a delay Node arms itself (a socket idle timeout) at the longest setTimeout takes', () => {
  assert.equal(timerDelay(30 * 24 * 3600 * 1000), MAX_TIMER_MS);
  assert.equal(timerDelay(Infinity), MAX_TIMER_MS);
  assert.equal(timerDelay(4 * 3600 * 1000), 4 * 3600 * 1000);
});
