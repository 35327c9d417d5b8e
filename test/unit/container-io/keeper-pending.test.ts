/**
 * PendingCalls (container-io/keeper-pending.ts): a call whose send throws is rejected with that error and settled at
 * once — no pending entry, timer or outstanding work stays (was: kept until its timeout, the liveness probe running
 * and the call counted as outstanding meanwhile).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingCalls } from '../../../src/container-io/keeper-pending.js';
import type { KeeperLiveness } from '../../../src/container-io/keeper-liveness.js';

test('a call whose send throws is rejected and leaves nothing outstanding', async () => {
  const counts: number[] = [];
  const liveness = { outstanding: (n: number) => counts.push(n) } as unknown as KeeperLiveness;
  const calls = new PendingCalls(liveness);
  await assert.rejects(calls.add('start', 60_000, () => { throw new Error('socket is closed'); }), /socket is closed/);
  assert.equal(calls.outstandingWork, 0, 'no call left pending');
  assert.deepEqual(counts, [1, 0], 'the liveness probe is told the work is done');

  // A call that was sent is still answered as before.
  const ok = calls.add<string>('exec', 60_000, () => undefined);
  assert.equal(calls.outstandingWork, 1);
  calls.answer(2, undefined, 'done');
  assert.equal(await ok, 'done');
  assert.equal(calls.outstandingWork, 0);
});
