/**
 * ExitLatch (platform/windows/exit-latch.ts): every hold a waiter takes on the HCS runtime is released exactly once,
 * whether the exit answers it or the handle closes first; an exit that settles after the close (a properties query
 * in flight) answers the waiters without releasing again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitLatch } from '../../../../src/platform/windows/exit-latch.js';

function runtime() {
  const rt = { held: 0, hold() { rt.held++; }, release() { rt.held--; } };
  return rt;
}

test('the exit answers the waiters and releases their holds', async () => {
  const rt = runtime();
  const latch = new ExitLatch<{ code: number }>(rt);
  const waits = [latch.wait(), latch.wait()];
  assert.equal(rt.held, 2);
  assert.equal(latch.settle({ code: 3 }), true);
  assert.equal(rt.held, 0);
  assert.deepEqual(await Promise.all(waits), [{ code: 3 }, { code: 3 }]);
  assert.equal(latch.settle({ code: 4 }), false, 'settled once');
  assert.deepEqual(await latch.wait(), { code: 3 });
  assert.equal(rt.held, 0, 'a wait on a settled exit takes no hold');
});

test('a handle closed with waiters, then its exit found by a query in flight: each hold is released once', async () => {
  const rt = runtime();
  rt.held = 1; // someone else's hold (another handle, an operation in flight) that must survive
  const latch = new ExitLatch<{ code: number }>(rt);
  const waits = [latch.wait(), latch.wait()];
  latch.close();
  assert.equal(rt.held, 1);
  latch.close();
  assert.equal(rt.held, 1, 'a second close releases nothing');
  const late = latch.wait();
  assert.equal(rt.held, 1, 'a wait after the close takes no hold');
  assert.equal(latch.settle({ code: 7 }), true);
  assert.equal(rt.held, 1, 'the late exit releases nothing more');
  assert.deepEqual(await Promise.all([...waits, late]), [{ code: 7 }, { code: 7 }, { code: 7 }], 'the waiters are still answered');
});
