/** The semaphore behind every resource bound: at most `limit` holders, FIFO waiters, a bounded queue refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore } from '../../../src/util/semaphore.js';

/** A task that stays in flight until released, counting how many run at once. */
function stalled() {
  let now = 0; let peak = 0; const releases: (() => void)[] = []; const started: number[] = [];
  const task = (i: number) => async () => {
    now++; peak = Math.max(peak, now); started.push(i);
    await new Promise<void>((r) => releases.push(r));
    now--;
    return i;
  };
  return { task, releases, started, get now() { return now; }, get peak() { return peak; } };
}
const settle = () => new Promise((r) => setImmediate(r));

test('at most `limit` tasks run; the rest wait in arrival order and run as slots free up', async () => {
  const s = new Semaphore(3);
  const f = stalled();
  const all = Array.from({ length: 10 }, (_, i) => s.run(f.task(i)));
  await settle();
  assert.equal(f.now, 3);
  assert.equal(s.inFlight, 3);
  assert.equal(s.queued, 7);
  while (f.started.length < 10 || f.releases.length) {
    f.releases.shift()?.();
    await settle();
    assert.ok(f.now <= 3, `in flight ${f.now} > 3`);
  }
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(f.started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'FIFO');
  assert.equal(f.peak, 3);
  assert.equal(s.inFlight, 0);
});

test('a failing task frees its slot', async () => {
  const s = new Semaphore(1);
  await assert.rejects(s.run(async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await s.run(async () => 7), 7);
  assert.equal(s.inFlight, 0);
});

test('a full queue refuses with the caller\'s error, and a refused waiter takes no slot', async () => {
  const s = new Semaphore(1, 2, () => new Error('queue full: retry later'));
  const f = stalled();
  const runs = [s.run(f.task(0)), s.run(f.task(1)), s.run(f.task(2))];
  await settle();
  await assert.rejects(s.run(f.task(3)), /queue full: retry later/);
  assert.equal(s.queued, 2);
  while (f.releases.length || f.started.length < 3) { f.releases.shift()?.(); await settle(); }
  assert.deepEqual(await Promise.all(runs), [0, 1, 2]);
  assert.equal(s.inFlight, 0);
  assert.throws(() => new Semaphore(0), /limit must be >= 1/);
});

test('a wait ends with the signal\'s reason when it aborts first, and the aborted waiter takes no slot', async () => {
  const s = new Semaphore(1);
  await s.acquire();
  const ac = new AbortController();
  const waiting = s.acquire(ac.signal);
  const next = s.acquire();
  assert.equal(s.queued, 2);
  ac.abort(new Error('pull cancelled'));
  await assert.rejects(waiting, /pull cancelled/);
  assert.equal(s.queued, 1, 'the aborted waiter left the queue');
  s.release();
  await next;
  assert.equal(s.inFlight, 1, 'the slot went to the next waiter');
  await assert.rejects(s.acquire(AbortSignal.abort(new Error('already'))), /already/);
  assert.equal(s.inFlight, 1);
});
