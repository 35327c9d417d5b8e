/**
 * The lean calls' shared deadline timer (src/cri/lean/deadlines.ts): a deadline watched after a later one still
 * fires at its own time, an unwatched one never fires, and nothing stays watched once they have fired.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watch, unwatch, watchedCount } from '../../../src/cri/lean/deadlines.js';
import { waitFor } from '../../helpers/wait-for.js';

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

test('deadlines already past fire at the next sweep, each once', async () => {
  const fired: number[] = [];
  for (let i = 0; i < 3; i++) watch({ at: Date.now() - 1, fire: () => fired.push(i) });
  await waitFor('all fired', () => fired.length === 3);
  assert.deepEqual(fired.sort(), [0, 1, 2]);
  assert.equal(watchedCount(), 0);
});
