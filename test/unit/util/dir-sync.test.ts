import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupCommit } from '../../../src/util/dir-sync.js';

/** A fake fsync whose rounds the test finishes by hand; records the order of events. */
function fakeFsync() {
  const events: string[] = [];
  const pending: (() => void)[] = [];
  const fsync = (dir: string) => new Promise<void>((r) => { events.push(`start ${dir}`); pending.push(() => { events.push(`end ${dir}`); r(); }); });
  const finishNext = async () => { await new Promise((r) => setImmediate(r)); pending.shift()!(); await new Promise((r) => setImmediate(r)); };
  return { events, fsync, finishNext, pending };
}

test('syncDir: callers before a round starts share it; a caller during a running round waits for a new one', async () => {
  const f = fakeFsync();
  const sync = groupCommit(f.fsync);
  const done: string[] = [];
  const a = sync('d').then(() => done.push('a'));
  const b = sync('d').then(() => done.push('b')); // joins a's round: it has not started yet
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.events, ['start d']);
  // Round 1 runs: c and d renamed after it started, so they need a round that starts later; they share it.
  const c = sync('d').then(() => done.push('c'));
  const d = sync('d').then(() => done.push('d'));
  await f.finishNext();
  await Promise.all([a, b]);
  assert.deepEqual(done.sort(), ['a', 'b'], 'c and d are not durable by the first round');
  assert.deepEqual(f.events, ['start d', 'end d', 'start d']);
  await f.finishNext();
  await Promise.all([c, d]);
  assert.deepEqual(f.events, ['start d', 'end d', 'start d', 'end d'], 'two fsyncs for four renames');
  assert.equal(f.pending.length, 0);
});

test('syncDir: directories are independent, and a finished round is not joined', async () => {
  const f = fakeFsync();
  const sync = groupCommit(f.fsync);
  const x = sync('x');
  const y = sync('y');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(f.events.sort(), ['start x', 'start y']);
  await f.finishNext();
  await f.finishNext();
  await Promise.all([x, y]);
  const again = sync('x');
  await new Promise((r) => setImmediate(r));
  assert.equal(f.events.filter((e) => e === 'start x').length, 2, 'a call after a round ended starts its own');
  await f.finishNext();
  await again;
});
