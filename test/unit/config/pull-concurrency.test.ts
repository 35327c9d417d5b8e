/** images.pullConcurrency's default: 4, or the CPU count where lower, never below 2; a set value is kept (config/pull-concurrency.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { defaultPullConcurrency } from '../../../src/config/pull-concurrency.js';
import { configFromDocument, defaults } from '../../../src/config/config.js';

test('the default streams no more layers than CPUs, at least 2 and at most 4', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 64].map((n) => defaultPullConcurrency(n)), [2, 2, 3, 4, 4, 4]);
  assert.equal(defaults().images.pullConcurrency, Math.min(4, Math.max(2, availableParallelism())));
});

test('a value set in the config file is used as it is, above the CPU count too', () => {
  assert.equal(configFromDocument({ images: { pullConcurrency: 16 } }).images.pullConcurrency, 16);
  assert.equal(configFromDocument({ images: { pullConcurrency: 1 } }).images.pullConcurrency, 1);
});
