import { test } from 'node:test';
import assert from 'node:assert/strict';
import { v8Gc, compactOnce } from '../../../src/util/idle-gc.js';

test('V8 gc() is available without --expose-gc on the command line', () => {
  assert.equal(typeof v8Gc(), 'function');
});

test('a compacting collection frees garbage and completes', async () => {
  const gc = v8Gc()!;
  let junk: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
  const before = process.memoryUsage().heapUsed;
  junk = null;
  await compactOnce(gc);
  assert.equal(junk, null);
  assert.ok(process.memoryUsage().heapUsed < before, 'the garbage was collected');
});
