/**
 * ExitLatch (platform/windows/exit-latch.ts): every hold a waiter takes on the HCS runtime is released exactly once,
 * whether the exit answers it or the handle closes first; an exit that settles after the close (a properties query
 * in flight) answers the waiters without releasing again; a wait after the close on an exit not seen is refused
 * (E_HANDLE), never left unsettled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitLatch } from '../../../../src/platform/windows/exit-latch.js';
import { PlatformError, HRESULT } from '../../../../src/platform/hresult.js';

const closedError = () => new PlatformError(HRESULT.E_HANDLE, 'HcsGetProcessProperties', 'the handle was closed');

function runtime() {
  const rt = { held: 0, hold() { rt.held++; }, release() { rt.held--; } };
  return rt;
}

test('the exit answers the waiters and releases their holds', async () => {
  const rt = runtime();
  const latch = new ExitLatch<{ code: number }>(rt, closedError);
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
  const latch = new ExitLatch<{ code: number }>(rt, closedError);
  const waits = [latch.wait(), latch.wait()];
  latch.close();
  assert.equal(rt.held, 1);
  latch.close();
  assert.equal(rt.held, 1, 'a second close releases nothing');
  assert.equal(latch.settle({ code: 7 }), true);
  assert.equal(rt.held, 1, 'the late exit releases nothing more');
  assert.deepEqual(await Promise.all(waits), [{ code: 7 }, { code: 7 }], 'the waiters are still answered');
  assert.deepEqual(await latch.wait(), { code: 7 }, 'a wait after the close on a settled exit has it');
});

test('a wait after the close on an exit not seen is refused with E_HANDLE (was: a promise that never settled)', async () => {
  const rt = runtime();
  const latch = new ExitLatch<{ code: number }>(rt, closedError);
  latch.close();
  await assert.rejects(latch.wait(), (e: unknown) => e instanceof PlatformError && e.is('E_HANDLE') && /closed/.test(e.message));
  assert.equal(rt.held, 0, 'it takes no hold');
  assert.equal(latch.waiting, false, 'nobody is left waiting');
});
