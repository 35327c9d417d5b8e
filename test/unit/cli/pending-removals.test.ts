/**
 * doctor --leaks asks the emulator service which Linux removals it owns (collect.ts pendingRemovals): the answer
 * when it comes, and otherwise why not — a service that died (the request is not resent), or one that does not
 * answer in time — so that the audit reports the removals as not settled instead of hanging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pendingRemovals } from '../../../src/cli/doctor/collect.js';
import type { NetworkService, PendingRemoval } from '../../../src/platform/types.js';

const withSettle = (settleRemovals?: () => Promise<PendingRemoval[]>) => ({ network: { settleRemovals } as unknown as NetworkService });

test('pendingRemovals: the service\'s answer, or why the removals are not settled', async () => {
  const answer: PendingRemoval[] = [{ name: 'wincri-aaaaaaaa', state: 'failed', failures: 2, lastError: 'EBUSY' }];
  assert.deepEqual(await pendingRemovals(withSettle(async () => answer), 1_000), { pending: answer });
  assert.deepEqual(await pendingRemovals(withSettle(() => Promise.reject(new Error('connection to the emulator service was lost')))),
    { pending: [], unsettled: 'connection to the emulator service was lost' });
  assert.deepEqual(await pendingRemovals(withSettle(() => new Promise<never>(() => undefined)), 20),
    { pending: [], unsettled: 'no answer within 20 ms' });
  assert.match((await pendingRemovals(withSettle())).unsettled ?? '', /cannot say/);
});
