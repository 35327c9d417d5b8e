/**
 * RpcClock.move and creditPlatform: the platform time a keeper answer or error reports moves from the keeper part to
 * the platform part of the current RPC's clock, never more than the keeper part holds, never negative, and nothing
 * happens outside an RPC or for answers that report nothing usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcClock, runWithClock, creditPlatform, reportedPlatformSeconds } from '../../../src/util/rpc-clock.js';
import { RuntimeError } from '../../../src/errors.js';

test('move: shifts seconds between parts, capped by what the source holds and never negative', () => {
  const c = new RpcClock();
  c.seconds.keeper = 2;
  c.move('keeper', 'platform', 0.5);
  assert.deepEqual(c.seconds, { keeper: 1.5, platform: 0.5, 'cni-exec': 0 });
  c.move('keeper', 'platform', 10); // more than the keeper part holds
  assert.deepEqual(c.seconds, { keeper: 0, platform: 2, 'cni-exec': 0 });
  c.move('platform', 'keeper', -1); // negative: nothing
  assert.deepEqual(c.seconds, { keeper: 0, platform: 2, 'cni-exec': 0 });
});

test('reportedPlatformSeconds: from an answer, an error, or the error an error wraps; 0 otherwise', () => {
  assert.equal(reportedPlatformSeconds({ pid: 4, platformSeconds: 0.75 }), 0.75);
  const keeperError = Object.assign(new Error('IO keeper: no system'), { platformSeconds: 0.5 });
  assert.equal(reportedPlatformSeconds(keeperError), 0.5);
  assert.equal(reportedPlatformSeconds(new RuntimeError('NotFound', 'IO keeper: no system', { cause: keeperError })), 0.5);
  for (const none of [undefined, null, 3, { pid: 4 }, { platformSeconds: 'x' }, { platformSeconds: NaN }, { platformSeconds: -1 }, { platformSeconds: Infinity }]) {
    assert.equal(reportedPlatformSeconds(none), 0, JSON.stringify(none));
  }
});

test('creditPlatform: moves the reported time within the current RPC only', () => {
  const c = new RpcClock();
  c.seconds.keeper = 1;
  runWithClock(c, () => creditPlatform('keeper', { pid: 1, platformSeconds: 0.25 }));
  assert.deepEqual(c.seconds, { keeper: 0.75, platform: 0.25, 'cni-exec': 0 });
  runWithClock(c, () => creditPlatform('keeper', Object.assign(new Error('failed start'), { platformSeconds: 0.5 })));
  assert.deepEqual(c.seconds, { keeper: 0.25, platform: 0.75, 'cni-exec': 0 });
  runWithClock(c, () => creditPlatform('keeper', { pid: 1 }));
  creditPlatform('keeper', { platformSeconds: 0.25 }); // outside an RPC: no clock, nothing moves
  assert.deepEqual(c.seconds, { keeper: 0.25, platform: 0.75, 'cni-exec': 0 });
});

test('a timed keeper call credits the platform time its answer or its error reports', async () => {
  const { timedKeeper } = await import('../../../src/daemon/timed-platform.js');
  // 1 ps: always less than the keeper call's own wall time, so the move is never capped.
  const keeper = timedKeeper({
    async start(): Promise<{ pid: number; platformSeconds: number }> { await Promise.resolve(); return { pid: 7, platformSeconds: 1e-12 }; },
    async startFailing(): Promise<never> {
      await Promise.resolve();
      throw new RuntimeError('NotFound', 'IO keeper: no system', { cause: Object.assign(new Error('no system'), { platformSeconds: 1e-12 }) });
    },
  });
  const c = new RpcClock();
  await runWithClock(c, async () => {
    assert.equal((await keeper.start()).pid, 7);
    assert.equal(c.seconds.platform, 1e-12);
    await assert.rejects(keeper.startFailing(), /no system/);
    assert.equal(c.seconds.platform, 2e-12);
  });
  assert.ok(c.seconds.keeper > 0);
});
