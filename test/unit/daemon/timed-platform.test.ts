/**
 * Per-RPC timing of calls that leave the daemon: overlapping calls of one part count once, waits are not timed,
 * compute systems from create/open are timed too, methods keep their `this` (private fields work), and nothing
 * is recorded outside an RPC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcClock, runWithClock, timed } from '../../../src/util/rpc-clock.js';
import { timedKeeper } from '../../../src/daemon/timed-platform.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

class System {
  #calls = 0;
  async start(): Promise<number> { await pause(30); return ++this.#calls; }
  async waitExit(): Promise<string> { await pause(60); return 'exited'; }
  idSync(): string { return 'sys'; }
}
class Service {
  async createComputeSystem(): Promise<System> { await pause(20); return new System(); }
}

test('overlapping calls count once; waits are not timed; returned systems are timed; this is kept', async () => {
  const svc = timedKeeper(new Service());
  const clock = new RpcClock();
  await runWithClock(clock, async () => {
    const sys = await svc.createComputeSystem();
    assert.equal(sys.idSync(), 'sys');
    const before = clock.seconds.keeper;
    assert.ok(before > 0);
    const s0 = process.hrtime.bigint();
    const [a, b] = await Promise.all([sys.start(), sys.start()]);
    const startsWall = Number(process.hrtime.bigint() - s0) / 1e9;
    assert.deepEqual([a, b].sort(), [1, 2]);
    const afterStarts = clock.seconds.keeper;
    // two concurrent starts: counted as the wall time with a call in flight, not as their sum
    assert.ok(afterStarts > before && afterStarts - before <= startsWall, `${afterStarts - before} > ${startsWall}`);
    assert.equal(await sys.waitExit(), 'exited');
    assert.equal(clock.seconds.keeper, afterStarts, 'waitExit is not platform work');
  });
  assert.equal(clock.seconds.platform, 0);
  assert.equal(clock.seconds['cni-exec'], 0);
});

test('the overlap rule: a part never exceeds the wall time of the RPC', async () => {
  const clock = new RpcClock();
  const t0 = process.hrtime.bigint();
  await runWithClock(clock, () => Promise.all(Array.from({ length: 5 }, () => timed('platform', () => pause(20)))));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.ok(clock.seconds.platform > 0 && clock.seconds.platform <= wall, `${clock.seconds.platform} > ${wall}`);
});

test('outside an RPC nothing is recorded and calls still work', async () => {
  assert.equal(await timed('platform', async () => 7), 7);
  const sys = await timedKeeper(new Service()).createComputeSystem();
  assert.equal(await sys.start(), 1);
});
