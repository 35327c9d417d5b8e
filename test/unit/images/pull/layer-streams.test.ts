/** The layers of one pull streamed at once: images.pullConcurrency capped at the CPU count, never below 2 (pull/layer-streams.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerStreams } from '../../../../src/images/pull/layer-streams.js';

test('more layer streams than CPUs are not run at once; a host with CPUs to spare runs what is configured', () => {
  assert.equal(layerStreams(4, 2), 2);
  assert.equal(layerStreams(4, 3), 3);
  assert.equal(layerStreams(4, 8), 4);
  assert.equal(layerStreams(16, 8), 8);
});

test('a single-CPU host still streams 2 layers (one downloads while the other unpacks); a smaller setting is kept', () => {
  assert.equal(layerStreams(4, 1), 2);
  assert.equal(layerStreams(1, 8), 1);
  assert.equal(layerStreams(1, 1), 1);
});
