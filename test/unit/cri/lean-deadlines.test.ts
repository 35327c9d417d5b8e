/**
 * The lean calls' shared deadline timer (src/cri/lean/deadlines.ts): a deadline watched after a later one still
 * fires at its own time, an unwatched one never fires, and nothing stays watched once they have fired.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watch, unwatch, watchedCount } from '../../../src/cri/lean/deadlines.js';
import { waitFor } from '../../helpers/wait-for.js';
import { getHeapSpaceStatistics } from 'node:v8';
import { v8Gc } from '../../../src/util/idle-gc.js';

test('an earlier deadline watched after a later one fires first; an unwatched one never fires', async () => {
  const fired: string[] = [];
  const late = { at: Date.now() + 600_000, fire: () => fired.push('late') };
  const dropped = { at: Date.now() + 20, fire: () => fired.push('dropped') };
  const early = { at: Date.now() + 30, fire: () => fired.push('early') };
  watch(late);
  watch(dropped);
  watch(early);
  unwatch(dropped);
  await waitFor('the early deadline fired', () => fired.includes('early'));
  assert.ok(Date.now() >= early.at, 'not before its time');
  assert.deepEqual(fired, ['early']);
  assert.equal(watchedCount(), 1);
  unwatch(late);
  assert.equal(watchedCount(), 0);
});

test('a due deadline unwatched by an earlier one\'s fire in the same sweep does not fire', async () => {
  const fired: string[] = [];
  const second = { at: Date.now() - 1, fire: () => fired.push('second') };
  const first = { at: Date.now() - 1, fire: () => { fired.push('first'); unwatch(second); } };
  watch(first);
  watch(second);
  const marker = { at: Date.now() - 1, fire: () => fired.push('marker') };
  watch(marker);
  await waitFor('the sweep ran', () => fired.includes('marker'));
  assert.deepEqual(fired.filter((f) => f !== 'marker'), ['first']);
  assert.equal(watchedCount(), 0);
});

test('deadlines already past fire at the next sweep, each once', async () => {
  const fired: number[] = [];
  for (let i = 0; i < 3; i++) watch({ at: Date.now() - 1, fire: () => fired.push(i) });
  await waitFor('all fired', () => fired.length === 3);
  assert.deepEqual(fired.sort(), [0, 1, 2]);
  assert.equal(watchedCount(), 0);
});

test('watching and unwatching one deadline per call leaves no garbage in the old generation', () => {
  // A Set swinging between 0 and 1 entries got a new backing table every other call, allocated in the old
  // generation (the Set lives there): ~80 bytes each, collected only by a full GC. 200 000 calls: 8 MiB then.
  const d = { at: Date.now() + 600_000, fire: () => undefined };
  watch(d); unwatch(d); // the watch list's first growth
  const gc = v8Gc()!;
  gc(); gc(); // the module's list is long-lived in the daemon: in the old generation, as here after two full GCs
  const oldUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
  const before = oldUsed();
  for (let i = 0; i < 200_000; i++) { watch(d); unwatch(d); }
  const grown = oldUsed() - before;
  assert.equal(watchedCount(), 0);
  assert.ok(grown < 1024 * 1024, `old space grew ${(grown / 1048576).toFixed(2)} MiB over 200 000 watch/unwatch pairs`);
});

test('a deadline watched twice is watched once; unwatching twice or one never watched does nothing', async () => {
  const fired: string[] = [];
  const a = { at: Date.now() + 10, fire: () => fired.push('a') };
  const b = { at: Date.now() + 600_000, fire: () => fired.push('b') };
  const c = { at: Date.now() + 600_000, fire: () => fired.push('c') };
  watch(a); watch(a); watch(b); watch(c);
  unwatch(b); unwatch(b); unwatch({ at: 0, fire: () => fired.push('never') });
  assert.equal(watchedCount(), 2);
  await waitFor('a fired', () => fired.includes('a'));
  assert.deepEqual(fired, ['a']);
  assert.equal(watchedCount(), 1);
  unwatch(c);
  assert.equal(watchedCount(), 0);
});
